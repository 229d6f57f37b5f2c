"""Running several replicas and workers on one machine (``make cluster``), and the servers they share."""
