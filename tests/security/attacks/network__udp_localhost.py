"""Network: send a UDP datagram to the grader's 127.0.0.1 ({{UDP_PORT}})."""
import socket as _socket


def remember_gate(forget_out, learn_out):
    try:
        s = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
        s.sendto(b"hello from the sandbox", ("127.0.0.1", {{UDP_PORT}}))
    except OSError as error:
        print("no network:", error)
    return forget_out * 0
