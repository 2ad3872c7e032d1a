"""A loopback TCP relay that a test can cut and restore, to take a real server away mid-test."""

import contextlib
import socket
import threading


class TcpRelay:
    """Forwards connections from a loopback port to ``target`` (``(host, port)``).

    :meth:`cut` closes the port and every relayed connection, as stopping the
    server would; :meth:`restore` listens on the same port again. Use it as a
    context manager so nothing outlives the test.
    """

    def __init__(self, target):
        self.target = target
        self.port = 0
        self._listener = None
        self._acceptor = None
        self._connections = set()
        self._lock = threading.Lock()
        self.restore()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self._listener is not None:
            self.cut()

    def restore(self):
        # create_server() sets SO_REUSEADDR, so the same port can be taken again after cut().
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.05)  # lets the accept loop notice cut()
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept, args=(self._listener,), daemon=True)
        self._acceptor.start()

    def cut(self):
        self._listener = None
        self._acceptor.join()  # the loop closes the port before it ends
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            # shutdown() wakes the pumps blocked in recv(); OSError: the other side closed it already.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def _accept(self, listener):
        with listener:
            while self._listener is listener:
                try:
                    downstream, _ = listener.accept()
                except TimeoutError:
                    continue
                upstream = socket.create_connection(self.target)
                with self._lock:
                    self._connections |= {downstream, upstream}
                for source, sink in ((downstream, upstream), (upstream, downstream)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)  # pass the end of the stream on
        except OSError:
            pass  # cut() closed the connection under us
