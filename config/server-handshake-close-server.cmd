# Handshake-only, the server closes first: with `requests 0` and `close server` a listener sends
# its FIN right after the handshake, so TIME_WAIT lands on synfin's server and the client
# sends nothing. Pair with client-handshake-close-server.cmd.
port 0 address 198.18.0.1/24
# 2 x 2 s of TIME_WAIT per connection: at 50,000/s that is 200,000 entries, not 3 million.
set tcp msl 2000
response none
requests 0
close server
listen 198.18.0.1 80
start
