"""hostqld: config, schedule, differential results, loggers, backing store and watchdog."""
