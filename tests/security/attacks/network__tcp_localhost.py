"""Network: connect to a listener on the grader's 127.0.0.1 ({{PORT}}) and report home."""
import socket as _socket


def remember_gate(forget_out, learn_out):
    try:
        with _socket.create_connection(("127.0.0.1", {{PORT}}), timeout=1) as s:
            s.sendall(b"hello from the sandbox")
    except OSError as error:
        print("no network:", error)
    return forget_out * 0
