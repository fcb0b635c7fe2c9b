# The server closes first: one HTTP request answered with a 128-byte body, then our FIN right
# behind it, so TIME_WAIT lands on synfin's server (watch the timewait column).
# Pair with client-close-server.cmd.
port 0 address 198.18.0.1/24
# 2 x 2 s of TIME_WAIT per connection: at 50,000/s that is 200,000 entries, not 3 million.
set tcp msl 2000
response http 128
requests 1
close server
listen 198.18.0.1 80
start
