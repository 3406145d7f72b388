# busybox workload for scripts/run-workloads, run as
#   busybox sh busybox.sh WORKDIR PORT
# with PATH holding only busybox applets (symlinks, or wrappers that run them under
# qemu -strace), so that every command below is busybox itself and traced.
# Everything stays inside WORKDIR and on 127.0.0.1:PORT; every loop is bounded.
# Exit status 0 when every check passed.

W=$1
PORT=$2
[ -n "$W" ] && [ -n "$PORT" ] || { echo "usage: busybox sh busybox.sh WORKDIR PORT" >&2; exit 2; }
cd "$W" || exit 2
fails=0
fail() { echo "busybox.sh: FAILED: $*" >&2; fails=$((fails + 1)); }

# --- shell: functions, loops, arithmetic, pipes, redirections, here-documents, traps
square() { echo $(( $1 * $1 )); }
mkdir -p src/sub dst x
: > src/data.txt
i=0
while [ $i -lt 40 ]; do
    echo "line $i $(square $i)" >> src/data.txt
    i=$((i + 1))
done
for f in alpha beta gamma; do
    printf '%s %s\n' "file" "$f" > "src/sub/$f.txt"
done
cat > src/heredoc.txt <<EOF
written by a here-document in $W
port $PORT
EOF
# (fd 8, not 3: under qemu-user fd 3 is qemu's own strace log, which the guest sees)
exec 8> fd8.txt
echo "via fd 8" >&8
exec 8>&-
{ echo one; echo two; echo three; } 2>&1 | cat -n > numbered.txt
(cd src && ls) | wc -l > count.txt
[ "$(cat count.txt)" -eq 3 ] || fail "subshell ls count $(cat count.txt)"
read -r first < src/data.txt
[ "$first" = "line 0 0" ] || fail "read: $first"
got=
trap 'got=usr1' USR1
kill -USR1 $$
[ "$got" = usr1 ] || fail "trap USR1"
trap - USR1
case "$(uname -m)" in
    *) echo "machine $(uname -m)" > machine.txt ;;
esac
sleep 0.1
sleep 0.3 &
wait $!
sleep 5 &
bg=$!
kill $bg
wait $bg 2>/dev/null
echo "background job status $?" > bg.txt

# --- files and text
ls -l src src/sub > listing.txt || fail "ls -l"
ls -la / > /dev/null
cat src/data.txt src/heredoc.txt > cat.txt || fail cat
cp -r src copy || fail "cp -r"
cp src/data.txt dst/ || fail cp
mv dst/data.txt dst/moved.txt || fail mv
ln -s moved.txt dst/link.txt
[ "$(readlink dst/link.txt)" = moved.txt ] || fail readlink
chmod 600 dst/moved.txt
touch dst/empty
stat dst/moved.txt > stat.txt || fail stat
rm dst/empty || fail rm
rmdir x && mkdir x
sed -e 's/line/LINE/' -e '/5/d' src/data.txt > sed.txt || fail sed
sed -i 's/file/FILE/' copy/sub/alpha.txt || fail "sed -i"
grep -q FILE copy/sub/alpha.txt || fail "grep after sed -i"
sum=$(awk '{ s += $3 } END { print s }' src/data.txt)
[ "$sum" = 20540 ] || fail "awk sum $sum"
awk -F: '$3 == 0 { print $1 }' /etc/passwd > root-users.txt
sort -k3 -n -r src/data.txt | head -5 > top.txt
seq 1 300 | sort -rn | uniq | tail -3 > tail.txt
n=$(grep -c line src/data.txt)
[ "$n" = 40 ] || fail "grep -c $n"
grep -r gamma src > /dev/null || fail "grep -r"
cut -d' ' -f2 src/data.txt | tr '0-9' 'a-j' | xargs echo > xargs.txt
[ "$(find . -name '*.txt' -type f | wc -l)" -gt 10 ] || fail find
md5sum src/data.txt > sums.txt
sha256sum src/data.txt >> sums.txt
md5sum -c sums.txt > /dev/null 2>&1 || true
wc -l -c src/data.txt > wc.txt
od -c src/sub/beta.txt > od.txt
hexdump -C top.txt > hexdump.txt
diff src/data.txt copy/data.txt || fail diff
cmp src/heredoc.txt copy/heredoc.txt || fail cmp
echo tee | tee tee.txt > /dev/null
dd if=/dev/urandom of=random.bin bs=1024 count=64 2> /dev/null || fail dd
base64 random.bin | head -2 > base64.txt
basename "$W/src/data.txt" > names.txt
dirname "$W/src/data.txt" >> names.txt
env | sort > env.txt
printf '%05d|%s\n' 42 printf > printf.txt
expr 6 \* 7 > expr.txt
test -s expr.txt || fail test

# --- archives and compression
tar cf archive.tar src || fail "tar c"
tar xf archive.tar -C x || fail "tar x"
diff -r src x/src > /dev/null || fail "tar round trip"
tar czf archive.tgz copy || fail "tar cz"
tar tzf archive.tgz > tar-list.txt || fail "tar tz"
gzip -c src/data.txt > data.gz || fail gzip
gunzip -c data.gz | cmp - src/data.txt || fail gunzip
gzip -9 copy/data.txt || fail "gzip -9"
zcat data.gz | wc -l > zcat.txt

# --- system information
date > date.txt
date -u +%s >> date.txt
date -d @0 -u >> date.txt
id > id.txt || fail id
whoami >> id.txt
ps > ps.txt || fail ps
ps -o pid,ppid,comm > /dev/null
uname -a > uname.txt
hostname > hostname.txt
df . > df.txt || fail df
du -s src > du.txt || fail du
free > free.txt
uptime > uptime.txt
nproc > nproc.txt
ip addr show lo > ip.txt 2>&1 || fail "ip addr"
netstat -tln > netstat.txt 2>&1
ping -c 1 -W 2 127.0.0.1 > ping.txt 2>&1 || echo "ping failed (not counted)" >> ping.txt

# --- httpd serving files to wget, on 127.0.0.1 only
mkdir -p www/sub
echo "<html><body>hello from busybox httpd</body></html>" > www/index.html
cp random.bin www/sub/blob.bin
httpd -f -p "127.0.0.1:$PORT" -h www -u nobody:nogroup &
httpd_pid=$!
tries=0
until wget -q -O got-index.html "http://127.0.0.1:$PORT/index.html" 2> /dev/null; do
    tries=$((tries + 1))
    [ $tries -ge 60 ] && break
    sleep 0.25
done
cmp got-index.html www/index.html || fail "wget index.html"
wget -q -O got-blob.bin "http://127.0.0.1:$PORT/sub/blob.bin" || fail "wget blob"
cmp got-blob.bin www/sub/blob.bin || fail "blob content"
wget -q -O /dev/null "http://127.0.0.1:$PORT/missing.html" 2> /dev/null && fail "missing page served"
wget -q -S --spider "http://127.0.0.1:$PORT/" 2> headers.txt || fail "wget --spider"
printf 'GET /index.html HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' | nc 127.0.0.1 "$PORT" > nc.txt || fail "nc"
grep -q "hello from busybox" nc.txt || fail "nc response"
kill "$httpd_pid"
wait "$httpd_pid" 2> /dev/null

echo "busybox.sh: $fails failure(s)" >&2
[ $fails -eq 0 ]
