"""海关参数 and 基础资料 (I1, I2): customs code lists, the retail import positive and negative lists, and the
rules that check a declaration's codes against them. Pure: the lists come in through a lookup port."""
