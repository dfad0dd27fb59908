"""Hosting osquery extensions: the ExtensionManager Thrift service on --extensions_socket.

Extensions written with osquery's SDKs register table, config and logger plugins here and are
used like built-ins. ``service.start(daemon)`` runs it for hostqld, ``service.start_shell`` for
hostqli; ``client.ThriftClient`` talks to a running core or to an extension.
"""
