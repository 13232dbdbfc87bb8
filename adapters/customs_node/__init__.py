"""The customs node simulator (X6) on each transport: it decides by domain/customs_node, as customs would."""
