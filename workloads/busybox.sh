# busybox workload for scripts/run-workloads, run as
#   busybox sh busybox.sh WORKDIR PORT [PORT2 [STEPS]]
# with PATH holding only busybox applets (symlinks, or wrappers that run them under
# qemu -strace), so that every command below is busybox itself and traced. The same
# script runs Debian's dynamic busybox and busybox-static (whose shell runs applets by
# re-executing /proc/self/exe, and falls back to PATH where that fails, as under qemu).
# Everything stays inside WORKDIR and on 127.0.0.1 (httpd on PORT, nc -l on PORT2, both
# free TCP ports); every loop is bounded. Each step's exit status is appended to STEPS as
# "LABEL STATUS" (scripts/evaluate compares them between the traced and the enforced run,
# so the statuses recorded must not depend on timing). Applets the build may lack are
# used only when `busybox --list` names them.
# Exit status 0 when every check passed.

W=$1
PORT=$2
PORT2=${3:-}
STEPS=${4:-/dev/null}
[ -n "$W" ] && [ -n "$PORT" ] || { echo "usage: busybox sh busybox.sh WORKDIR PORT [PORT2 [STEPS]]" >&2; exit 2; }
cd "$W" || exit 2
: >> "$STEPS" || exit 2
fails=0
fail() { echo "busybox.sh: FAILED: $*" >&2; fails=$((fails + 1)); }
# rec LABEL STATUS: record a step's exit status
rec() { echo "$1 $2" >> "$STEPS"; }
# t LABEL CMD [ARG...]: run CMD, record its exit status under LABEL, return it
t() { _l=$1; shift; "$@"; _rc=$?; rec "$_l" $_rc; return $_rc; }
applets=$(busybox --list) || fail "busybox --list"
have() { echo "$applets" | grep -qx "$1"; }
# The applet links. An applet that runs a command (env, timeout, setsid, find -exec,
# xargs -P, nice, nohup) is given it by path: busybox-static runs a command named like an
# applet by re-executing /proc/self/exe, which qemu-user cannot (ENOEXEC; glibc's execvp
# then hands /proc/self/exe to the host's /bin/sh). A path runs the link: busybox again.
# (Applets busybox runs in-process, echo and cp under xargs, keep their names.)
B=${PATH%%:*}

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
rec "wait-killed" $?
echo "background job status $?" > bg.txt

# --- files and directories
t ls-l ls -l src src/sub > listing.txt || fail "ls -l"
ls -la / > /dev/null
t ls-R ls -lR -i -a src > listing-r.txt || fail "ls -lR"
cat src/data.txt src/heredoc.txt > cat.txt || fail cat
t cp-r cp -r src copy || fail "cp -r"
t cp cp src/data.txt dst/ || fail cp
t cp-a cp -a src preserved || fail "cp -a"
t cp-p cp -p src/heredoc.txt dst/heredoc.txt || fail "cp -p"
t mv mv dst/data.txt dst/moved.txt || fail mv
t mv-dir mv preserved preserved2 || fail "mv dir"
t ln-s ln -s moved.txt dst/link.txt || fail "ln -s"
t ln ln dst/moved.txt dst/hard.txt || fail "ln"
t ln-sf ln -sf heredoc.txt dst/link2.txt || fail "ln -sf"
[ "$(readlink dst/link.txt)" = moved.txt ] || fail readlink
[ "$(readlink -f dst/link.txt)" = "$(realpath dst/moved.txt)" ] || fail "readlink -f"
t chmod chmod 600 dst/moved.txt || fail chmod
t chmod-R chmod -R u+rwX,go-w copy || fail "chmod -R"
t touch touch dst/empty || fail touch
t touch-d touch -d "2020-01-02 03:04:05" dst/old || fail "touch -d"
t touch-r touch -r dst/old dst/empty || fail "touch -r"
t stat stat dst/moved.txt > stat.txt || fail stat
[ "$(stat -c '%a %s %h' dst/moved.txt)" = "600 $(wc -c < src/data.txt) 2" ] || fail "stat -c"
[ "$(stat -L -c %F dst/link.txt)" = "regular file" ] || fail "stat -L"
t stat-f stat -f . > statfs.txt || fail "stat -f"
t stat-t stat -t dst/old > /dev/null || fail "stat -t"
t rm rm dst/empty || fail rm
t rm-f rm -f dst/empty dst/never-there || fail "rm -f"
t rm-rf rm -rf preserved2 || fail "rm -rf"
[ ! -e preserved2 ] || fail "rm -rf left preserved2"
t rmdir rmdir x || fail rmdir
t mkdir mkdir x || fail mkdir
t mkdir-p mkdir -p -m 700 deep/a/b/c || fail "mkdir -p"
t rmdir-p rmdir -p deep/a/b/c || fail "rmdir -p"
t mkfifo mkfifo fifo || fail mkfifo
echo "through a fifo" > fifo &
read -r viafifo < fifo
wait
[ "$viafifo" = "through a fifo" ] || fail "fifo: $viafifo"
t truncate truncate -s 4096 sparse.bin || fail truncate
[ "$(stat -c %s sparse.bin)" = 4096 ] || fail "truncate size"
t find find . -name '*.txt' -type f > find.txt || fail find
[ "$(wc -l < find.txt)" -gt 10 ] || fail "find count"
t find-newer find src -newer dst/old -type f > /dev/null || fail "find -newer"
t find-l find dst -type l > find-l.txt || fail "find -type l"
[ "$(wc -l < find-l.txt)" = 2 ] || fail "find -type l count"
t find-size find . -maxdepth 1 -size +1k -perm -0400 > /dev/null || fail "find -size"
t find-exec find src/sub -name '*.txt' -exec "$B/wc" -l {} \; > find-exec.txt || fail "find -exec"
[ "$(wc -l < find-exec.txt)" = 3 ] || fail "find -exec count"
t find-exec-plus find src/sub -type f -exec "$B/cat" {} + > find-plus.txt || fail "find -exec +"
t du du -s src > du.txt || fail du
t du-a du -a -k -c src > /dev/null || fail "du -a"
t df df . > df.txt || fail df
t df-k df -k -T > /dev/null || fail "df -T"
t df-i df -i . > /dev/null || fail "df -i"
t sync sync || fail sync
t sync-f sync -f src/data.txt || fail "sync -f"
t sync-d sync -d src/data.txt || fail "sync -d"

# --- text
t sed sed -e 's/line/LINE/' -e '/5/d' src/data.txt > sed.txt || fail sed
t sed-i sed -i 's/file/FILE/' copy/sub/alpha.txt || fail "sed -i"
grep -q FILE copy/sub/alpha.txt || fail "grep after sed -i"
[ "$(sed -n '3p;3q' src/data.txt)" = "line 2 4" ] || fail "sed -n"
sum=$(awk '{ s += $3 } END { print s }' src/data.txt)
[ "$sum" = 20540 ] || fail "awk sum $sum"
awk -F: '$3 == 0 { print $1 }' /etc/passwd > root-users.txt
t awk-prog awk 'function dbl(x) { return 2 * x }
    { n = split($0, f, " "); gsub(/line/, "L"); a[$2 % 3] += dbl(f[2]) }
    END { for (k in a) printf "%d=%d\n", k, a[k] }' src/data.txt > awk.txt || fail "awk program"
[ "$(sort awk.txt | tr '\n' ' ')" = "0=546 1=494 2=520 " ] || fail "awk program: $(cat awk.txt)"
t sort sort -k3 -n -r src/data.txt > sorted.txt || fail sort
head -5 sorted.txt > top.txt
[ "$(head -1 top.txt)" = "line 39 1521" ] || fail "sort -n -r"
t sort-u sort -u -t' ' -k1,1 src/data.txt > /dev/null || fail "sort -u"
seq 1 300 | sort -rn | uniq | tail -3 > tail.txt
[ "$(tr '\n' ' ' < tail.txt)" = "3 2 1 " ] || fail "seq|sort|uniq|tail"
t uniq-c uniq -c sorted.txt > /dev/null || fail "uniq -c"
n=$(grep -c line src/data.txt)
[ "$n" = 40 ] || fail "grep -c $n"
t grep-r grep -r gamma src > /dev/null || fail "grep -r"
t grep-E grep -E -n -i '^LINE (1|2)[0-9] ' src/data.txt > /dev/null || fail "grep -E"
t grep-v grep -v -l line src/sub/alpha.txt > /dev/null || fail "grep -v -l"
t grep-o grep -o '[0-9]*$' src/data.txt > /dev/null || fail "grep -o"
t grep-miss grep -q no-such-text src/data.txt
cut -d' ' -f2 src/data.txt | tr '0-9' 'a-j' | xargs echo > xargs.txt
t cut-c cut -c1-4 src/data.txt > /dev/null || fail "cut -c"
[ "$(echo 'a  b   c' | tr -s ' ' | tr -d 'b')" = "a  c" ] || fail "tr -s -d"
t wc wc -l -c src/data.txt > wc.txt || fail wc
[ "$(wc -w < src/data.txt)" = 120 ] || fail "wc -w"
[ "$(head -c 6 src/data.txt)" = "line 0" ] || fail "head -c"
[ "$(tail -n +40 src/data.txt)" = "line 39 1521" ] || fail "tail -n +N"
[ "$(tail -c 5 src/data.txt)" = "1521" ] || fail "tail -c"
t od od -c src/sub/beta.txt > od.txt || fail od
t od-x od -A x -t x1 src/sub/beta.txt > /dev/null || fail "od -t"
t hexdump hexdump -C top.txt > hexdump.txt || fail hexdump
t diff diff src/data.txt copy/data.txt || fail diff
t diff-u diff -u src/sub/alpha.txt copy/sub/alpha.txt > diff-u.txt
[ -s diff-u.txt ] || fail "diff -u gave no difference"
t diff-r diff -r src copy > /dev/null
t cmp cmp src/heredoc.txt copy/heredoc.txt || fail cmp
t cmp-l cmp -l src/sub/alpha.txt copy/sub/alpha.txt > /dev/null
echo tee | tee tee.txt > /dev/null
dd if=/dev/urandom of=random.bin bs=1024 count=64 2> /dev/null || fail dd
t base64 base64 random.bin > base64.txt || fail base64
t base64-d base64 -d base64.txt > random.again || fail "base64 -d"
cmp random.bin random.again || fail "base64 round trip"
basename "$W/src/data.txt" > names.txt
dirname "$W/src/data.txt" >> names.txt
env | sort > env.txt
printf '%05d|%s\n' 42 printf > printf.txt
expr 6 \* 7 > expr.txt
test -s expr.txt || fail test
t md5sum md5sum src/data.txt > sums.md5 || fail md5sum
t md5sum-c md5sum -c sums.md5 > /dev/null || fail "md5sum -c"
t sha256sum sha256sum src/data.txt random.bin > sums.sha256 || fail sha256sum
t sha256sum-c sha256sum -c sums.sha256 > /dev/null || fail "sha256sum -c"
t sha1sum sha1sum src/data.txt > /dev/null || fail sha1sum
[ "$(tac src/sub/beta.txt | rev)" = "ateb elif" ] || fail "tac | rev"
t nl nl src/heredoc.txt > /dev/null || fail nl
t paste paste src/sub/alpha.txt src/sub/beta.txt > /dev/null || fail paste

# --- archives and compression
t tar-c tar cf archive.tar src || fail "tar c"
t tar-x tar xf archive.tar -C x || fail "tar x"
t diff-tar diff -r src x/src > /dev/null || fail "tar round trip"
t tar-cz tar czf archive.tgz copy || fail "tar cz"
t tar-tz tar tzf archive.tgz > tar-list.txt || fail "tar tz"
mkdir -p xz
t tar-xz tar xzf archive.tgz -C xz || fail "tar xz"
t diff-tgz diff -r copy xz/copy > /dev/null || fail "tar z round trip"
t tar-cj tar cjf archive.tbz2 src/sub || fail "tar cj"
t tar-tj tar tjvf archive.tbz2 > /dev/null || fail "tar tj"
t gzip gzip -c src/data.txt > data.gz || fail gzip
gunzip -c data.gz | cmp - src/data.txt || fail gunzip
t gzip-9 gzip -9 copy/data.txt || fail "gzip -9"
t gunzip-t gunzip -t copy/data.txt.gz || fail "gunzip -t"
t gunzip gunzip copy/data.txt.gz || fail "gunzip"
cmp copy/data.txt src/data.txt || fail "gzip round trip"
zcat data.gz | wc -l > zcat.txt
[ "$(cat zcat.txt)" = 40 ] || fail "zcat"
if have bzip2 && have bunzip2; then
    cp src/data.txt data.bz
    t bzip2 bzip2 -k data.bz || fail bzip2
    t bzip2-t bzip2 -t data.bz.bz2 || fail "bzip2 -t"
    rm data.bz
    t bunzip2 bunzip2 data.bz.bz2 || fail bunzip2
    cmp data.bz src/data.txt || fail "bzip2 round trip"
    have bzcat && { bzcat archive.tbz2 > /dev/null || fail bzcat; }
fi
if have cpio; then
    find src -print > cpio.list
    t cpio-o cpio -o -H newc -F archive.cpio < cpio.list 2> /dev/null || fail "cpio -o"
    t cpio-t cpio -t -F archive.cpio > cpio-t.txt 2> /dev/null || fail "cpio -t"
    mkdir -p xc
    (cd xc && cpio -i -d -m < ../archive.cpio 2> /dev/null) || fail "cpio -i"
    t diff-cpio diff -r src xc/src > /dev/null || fail "cpio round trip"
fi

# --- system information
date > date.txt
date -u +%s >> date.txt
date -d @0 -u >> date.txt
t id id > id.txt || fail id
whoami >> id.txt
t ps ps > ps.txt || fail ps
ps -o pid,ppid,comm > /dev/null
t uname uname -a > uname.txt || fail uname
hostname > hostname.txt
free > free.txt
uptime > uptime.txt
nproc > nproc.txt

# --- network configuration, read-only
t ip-addr ip addr show lo > ip.txt 2>&1 || fail "ip addr"
t ip-link ip link show lo > /dev/null 2>&1 || fail "ip link"
t ip-route ip route show > /dev/null 2>&1 || fail "ip route"
t ip-4addr ip -4 -o addr > /dev/null 2>&1
t netstat-tln netstat -tln > netstat.txt 2>&1
t netstat-uan netstat -uan > /dev/null 2>&1
t netstat-rn netstat -rn > /dev/null 2>&1
t ifconfig-lo ifconfig lo > ifconfig.txt 2>&1 || fail "ifconfig lo"
grep -q 127.0.0.1 ifconfig.txt || fail "ifconfig lo: no 127.0.0.1"
t ifconfig-a ifconfig -a > /dev/null 2>&1
t route-n route -n > /dev/null 2>&1
# ping needs a raw socket (root) or ping_group_range; its status is not compared
ping -c 1 -W 2 127.0.0.1 > ping.txt 2>&1 || echo "ping failed (not counted)" >> ping.txt

# --- httpd serving files to wget and nc, on 127.0.0.1 only
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
t wget-blob wget -q -O got-blob.bin "http://127.0.0.1:$PORT/sub/blob.bin" || fail "wget blob"
cmp got-blob.bin www/sub/blob.bin || fail "blob content"
t wget-404 wget -q -O /dev/null "http://127.0.0.1:$PORT/missing.html" 2> /dev/null && fail "missing page served"
t wget-spider wget -q -S --spider "http://127.0.0.1:$PORT/" 2> headers.txt || fail "wget --spider"
printf 'GET /index.html HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' | nc 127.0.0.1 "$PORT" > nc.txt || fail "nc"
grep -q "hello from busybox" nc.txt || fail "nc response"
t kill-httpd kill "$httpd_pid"
wait "$httpd_pid" 2> /dev/null

# --- nc listening on PORT2, a client sending to it. The listener's stdin is a fifo held
# open until the client is done: at EOF on stdin nc half-closes the connection, and a client
# that sees that before it has read its own stdin exits without sending.
if [ -n "$PORT2" ]; then
    mkfifo nc-in
    nc -l -p "$PORT2" < nc-in > nc-received.txt &
    ncl=$!
    exec 7> nc-in
    tries=0
    until echo "hello over nc" | nc -w 5 127.0.0.1 "$PORT2" 2> /dev/null; do
        tries=$((tries + 1))
        [ $tries -ge 60 ] && break
        sleep 0.25
    done
    exec 7>&-
    wait "$ncl"
    rec nc-listen $?
    [ "$(cat nc-received.txt)" = "hello over nc" ] || fail "nc -l received '$(cat nc-received.txt)'"
fi

# --- processes
sleep 30 &
sl=$!
t kill-0 kill -0 "$sl" || fail "kill -0"
pidof sleep > /dev/null  # (its status depends on the host's other processes)
t renice renice -n 5 -p "$sl" > /dev/null || fail renice
ps -o pid,nice,comm > ps-nice.txt
t kill-TERM kill -TERM "$sl" || fail "kill -TERM"
wait "$sl"
rec wait-TERM $?
kill -0 "$sl" 2> /dev/null && fail "sleep survived SIGTERM"
t kill-l kill -l > /dev/null || fail "kill -l"
t timeout-kill timeout 1 "$B/sleep" 5
[ "$_rc" = 143 ] || fail "timeout did not end sleep ($_rc)"
t timeout-ok timeout 10 "$B/true" || fail "timeout 10 true"
# (env -i keeps PATH, else sh would be looked up in the default path, on the host, and
# LD_LIBRARY_PATH where the harness sets it, else a dynamic busybox loads the host's libc)
t env-i env -i PATH="$PATH" ${LD_LIBRARY_PATH:+LD_LIBRARY_PATH="$LD_LIBRARY_PATH"} FOO=bar "$B/sh" -c 'echo "$FOO $HOME"' > env-i.txt || fail "env -i"
[ "$(cat env-i.txt)" = "bar " ] || fail "env -i: $(cat env-i.txt)"
t env-u env -u HOME "$B/sh" -c 'echo "${HOME:-unset}"' > env-u.txt || fail "env -u"
[ "$(cat env-u.txt)" = unset ] || fail "env -u: $(cat env-u.txt)"
t xargs-n sh -c 'seq 1 10 | xargs -n 3 echo' > xargs-n.txt || fail "xargs -n"
[ "$(wc -l < xargs-n.txt)" = 4 ] || fail "xargs -n lines"
t xargs-I sh -c 'ls src/sub | xargs -I{} cp src/sub/{} dst/{}.copy' || fail "xargs -I"
[ "$(ls dst | grep -c copy)" = 3 ] || fail "xargs -I copies"
t xargs-0 sh -c 'find src -type f -print0 | xargs -0 -P 2 "$1/md5sum"' sh "$B" > /dev/null || fail "xargs -0 -P"
t setsid setsid "$B/sh" -c 'exit 3'
t sh-c sh -c 'exit 7'
t subshell-exit sh -c '(exit 5); echo $?' > /dev/null
if have nohup; then
    t nohup nohup "$B/sh" -c 'echo nohup' > nohup.txt 2> /dev/null || fail nohup
fi
if have nice; then
    t nice nice -n 3 "$B/sh" -c 'exit 0' || fail nice
fi

echo "busybox.sh: $fails failure(s)" >&2
[ $fails -eq 0 ]
