"""Transports to the customs node (file boxes, AMQP, HTTP), the enterprises' drop folders and the 179 upload."""
