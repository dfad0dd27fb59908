"""Software inventory tables: system package databases and language package trees."""
