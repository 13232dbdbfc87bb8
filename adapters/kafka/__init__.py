"""Kafka: topic administration and an ordered, acknowledged publisher (kafka-python)."""
