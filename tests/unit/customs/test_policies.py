"""X3: documents are grouped into customs messages by sender, at most N a message, in declaration order."""

from domain.customs.policies import group_for_messages, receipts_of


def test_documents_are_grouped_by_sender_in_order_and_chunked():
    docs = [("A", 1), ("B", 2), ("A", 3), ("A", 4), ("B", 5)]
    groups = group_for_messages(docs, lambda d: d[0], per_message=2)
    assert groups == [[("A", 1), ("A", 3)], [("B", 2), ("B", 5)], [("A", 4)]]


def test_order_receipts_name_the_platform_and_order_number():
    docs = [{"guid": "G", "ebpCode": "P1", "orderNo": "O1", "returnStatus": "2", "returnTime": "1", "returnInfo": "x"}]
    [(key, receipt)] = receipts_of("CEB312", docs, "file.xml")
    assert key == ("P1", "O1")
    assert (receipt.return_status, receipt.source) == ("2", "file.xml")


def test_unknown_receipt_types_give_nothing_to_apply():
    assert receipts_of("CEB999", [{}], "f") == []
