# A handshake-only CPS server: connections carry no data; the client closes right after the
# handshake, so TIME_WAIT lands on the client. Pair with client-handshake.cmd.
port 0 address 198.18.0.1/24
response none
requests 0
close client
listen 198.18.0.1 80
start
