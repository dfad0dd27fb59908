"""osquery's TLS remote API client (enroll, config, logger) and the durable delivery spool."""
