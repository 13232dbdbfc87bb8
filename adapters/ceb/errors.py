"""Errors of the CEB codec.

    CodecError                  input that is not a CEB message we can read or write
                                (not XML, unknown root or message type, bad DXP envelope)

Schema problems of a well-formed message are not errors: ``validate`` returns them as
``SchemaIssue`` values.
"""


class CodecError(ValueError):
    """The input is not a CEB message the codec can read or write. 报文无法解析或生成。"""
