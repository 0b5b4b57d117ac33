#!/usr/bin/perl
# Starts scripts for the script plugin's worker and relays their output (ADR 0011).
#
# A Node process forks its whole self to start a child (~1.5 ms of CPU here, plus as much in
# the child to tear the copy down) and its event loop waits until the child has exec'd. This
# small process forks instead. It only uses modules of perl-base (essential on Debian/Ubuntu).
#
# Requests on stdin: "S <id> <bytes>\n" then <bytes> of NUL-separated fields: the program, the
# working folder, the argument count, the arguments, then the environment as NAME=VALUE.
# Reports on stdout, each "<id> <kind> <bytes>\n" then <bytes> of data:
#   p: the child's pid   o / e: stdout / stderr bytes   c: that stream ("o" or "e") closed
#   x: "<exit code> <signal number>" once the child has ended
# A program that cannot be started ends with 127 (not found) or 126 (other), its reason on its
# stderr, as a shell would. stdin closing ends the launcher; running children are left alone.
use strict;
use POSIX ();
use IO::Select;

$SIG{PIPE} = 'DEFAULT';
# A child's end interrupts the wait below, so that its exit is reported at once.
$SIG{CHLD} = sub { };
binmode STDIN;
binmode STDOUT;
$| = 1;

my $select = IO::Select->new(\*STDIN);
my %streams;    # fileno => [id, kind, handle]
my %ids;        # pid => id
my $input = '';

sub report {
    my ($id, $kind, $data) = @_;
    print STDOUT "$id $kind " . length($data) . "\n" . $data;
}

sub start {
    my ($id, $payload) = @_;
    my @fields = split /\0/, $payload, -1;
    my ($file, $cwd, $argc) = splice @fields, 0, 3;
    my @args = splice @fields, 0, $argc;
    my @env = @fields;
    my ($out_r, $out_w, $err_r, $err_w);
    my $pid = pipe($out_r, $out_w) && pipe($err_r, $err_w) ? fork() : undef;
    if (!defined $pid) {
        # Out of processes or file descriptors: this script fails, the others go on.
        defined $_ and close $_ for $out_r, $out_w, $err_r, $err_w;
        report($id, 'e', "cannot start $file: $!\n");
        report($id, 'c', 'o');
        report($id, 'c', 'e');
        report($id, 'x', '126 0');
        return;
    }
    if ($pid == 0) {
        # The script starts as from a shell: no signal blocked, none caught.
        POSIX::sigprocmask(POSIX::SIG_SETMASK(), POSIX::SigSet->new());
        $SIG{CHLD} = 'DEFAULT';
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>&', $out_w);
        open(STDERR, '>&', $err_w);
        close $out_r;
        close $err_r;
        %ENV = ();
        for my $pair (@env) {
            my $eq = index($pair, '=');
            $ENV{substr($pair, 0, $eq)} = substr($pair, $eq + 1) if $eq > 0;
        }
        my $ok = $cwd eq '' || chdir($cwd);
        $ok and exec { $file } $file, @args;
        my $errno = $! + 0;
        my $name = $errno == POSIX::ENOENT() ? 'ENOENT' : $errno == POSIX::EACCES() ? 'EACCES' : "$!";
        syswrite(STDERR, "cannot start $file: $name\n");
        POSIX::_exit($errno == POSIX::ENOENT() ? 127 : 126);
    }
    close $out_w;
    close $err_w;
    $ids{$pid} = $id;
    report($id, 'p', $pid);
    for ([$out_r, 'o'], [$err_r, 'e']) {
        my ($handle, $kind) = @$_;
        $streams{ fileno $handle } = [$id, $kind, $handle];
        $select->add($handle);
    }
}

sub reap {
    while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
        my $id = delete $ids{$pid};
        next unless defined $id;
        my $status = $?;
        report($id, 'x', ($status & 127 ? -1 : $status >> 8) . ' ' . ($status & 127));
    }
}

while (1) {
    # Children are reaped on every turn. SIGCHLD cuts the wait short; the timeout is for the
    # one that comes between the reaping and the wait.
    my @ready = $select->can_read(%ids ? 0.1 : undef);
    for my $handle (@ready) {
        if ($handle == \*STDIN) {
            my $n = sysread(STDIN, my $chunk, 65536);
            if (!$n) {
                exit 0;
            }
            $input .= $chunk;
            while ($input =~ /\AS (\S+) (\d+)\n/) {
                my ($id, $bytes) = ($1, $2);
                my $head = length($&);
                last if length($input) < $head + $bytes;
                my $payload = substr($input, $head, $bytes);
                $input = substr($input, $head + $bytes);
                start($id, $payload);
            }
            next;
        }
        my $stream = $streams{ fileno $handle } or next;
        my $n = sysread($handle, my $data, 65536);
        if ($n) {
            report($stream->[0], $stream->[1], $data);
        } else {
            $select->remove($handle);
            delete $streams{ fileno $handle };
            close $handle;
            report($stream->[0], 'c', $stream->[1]);
        }
    }
    reap();
}
