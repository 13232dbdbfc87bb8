"""Hosts of the processors: the embedded runner, the Faust worker, the Kafka relay, replays and rebuilds."""
