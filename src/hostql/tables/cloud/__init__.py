"""Cloud instance tables: metadata services, contacted only on an instance of that cloud."""
