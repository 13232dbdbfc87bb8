"""订单管理 (I3): the CEB311 specialisation of the declaration service, under its historical module name."""

from engine.declarations import CodeCheck, ImportOrders, Outcome, complete, to_values

__all__ = ["CodeCheck", "ImportOrders", "Outcome", "complete", "to_values"]
