# A handshake-only client for a server that closes first: no request; it waits for the server's
# FIN, then sends its own. 50,000 connections per second for 10 s.
port 0 address 198.18.0.100/24
client 198.18.0.100-198.18.0.199 198.18.0.1 80
set client rate 50000
set client duration 10
set client requests 0
set client close server
start
