/**
 * Worktree mode's process supervisor: a small Perl program (perl-base is part of
 * every Debian-like system) between the lane and the command that
 *
 * - makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER): every process
 *   the command orphans — through setsid, a double fork, with its environment
 *   wiped — is re-parented to the supervisor, never to init;
 * - when the command exits, or on SIGTERM/SIGINT/SIGHUP, kills every child it has
 *   until none is left (killing a parent orphans its children onto the supervisor,
 *   so the loop ends with the whole tree gone);
 * - asks the kernel for SIGTERM when the lane process dies (PR_SET_PDEATHSIG), so
 *   a `kill -9` of the lane still takes the tree down.
 *
 * Under bwrap none of this is needed: its PID namespace and --die-with-parent do
 * the same. Without perl, or on an architecture whose prctl number is not listed,
 * the lane falls back to `setpriv --pdeathsig KILL` and its own nets (tree.ts).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';

/** prctl(2) syscall numbers by `uname -m`. */
const PRCTL_SYSCALL: Record<string, number> = { x86_64: 157, aarch64: 167, riscv64: 167, ppc64le: 171, s390x: 172 };

const SCRIPT = String.raw`
use strict; use warnings; use POSIX ();
my ($prctl, $lane) = (shift @ARGV, shift @ARGV);
syscall($prctl, 36, 1, 0, 0, 0);          # PR_SET_CHILD_SUBREAPER
syscall($prctl, 1, 15, 0, 0, 0);          # PR_SET_PDEATHSIG SIGTERM
exit 125 if getppid() != $lane;           # the lane died before we asked
my $child = fork();
die "agentlane supervisor: fork: $!\n" unless defined $child;
if ($child == 0) {
  $SIG{$_} = 'DEFAULT' for qw(TERM INT HUP);
  exec { $ARGV[0] } @ARGV or do { print STDERR "agentlane: cannot run $ARGV[0]: $!\n"; POSIX::_exit(127) };
}
sub children {
  opendir(my $d, '/proc') or return ();
  my @kids;
  for my $p (grep { /^\d+$/ } readdir $d) {
    open(my $f, '<', "/proc/$p/stat") or next;
    my $s = <$f> // next;
    $s =~ s/^.*\)\s+//s;
    my @f = split / /, $s;
    push @kids, $p if $f[1] == $$;
  }
  return @kids;
}
sub reap_all {
  for (1 .. 200) {
    my @kids = children();
    last unless @kids;
    kill 'KILL', @kids;
    1 while waitpid(-1, POSIX::WNOHANG()) > 0;
    select(undef, undef, undef, 0.01);
  }
}
$SIG{$_} = sub { kill 'KILL', $child; reap_all(); POSIX::_exit(143) } for qw(TERM INT HUP);
my $status = 0;
while (1) {
  my $w = waitpid(-1, 0);
  last if $w == -1;
  if ($w == $child) { $status = $?; last }
}
reap_all();
POSIX::_exit(($status & 127) ? 128 + ($status & 127) : $status >> 8);
`;

/** The argv prefix that runs a command under the supervisor, or null when this machine cannot. */
export function supervisorPrefix(): string[] | null {
  if (process.platform !== 'linux') return null;
  const prctl = PRCTL_SYSCALL[os.machine()];
  if (prctl === undefined) return null;
  if (spawnSync('perl', ['-MPOSIX', '-e', '1'], { stdio: 'ignore' }).status !== 0) return null;
  return ['perl', '-e', SCRIPT, String(prctl), String(process.pid)];
}
