"""Events: publishers (inotify, audit, syslog, udev) feed subscribers (the *_events tables)."""
