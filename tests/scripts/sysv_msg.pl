# IPC::Msg (Perl core): a queue, a message of type 7 sent and received,
# an empty receive without waiting, removed.  Prints what it saw; on a
# failure, the call and Perl's $!, and exits 1.
use strict;
use warnings;
use IPC::SysV qw(IPC_PRIVATE IPC_CREAT IPC_NOWAIT S_IRUSR S_IWUSR);
use IPC::Msg;

my $msg = IPC::Msg->new(IPC_PRIVATE, S_IRUSR | S_IWUSR | IPC_CREAT) or die "msgget: $!\n";
print "msqid=", $msg->id, "\n";
$msg->snd(7, "hello") or die "snd: $!\n";
my $buf;
my $type = $msg->rcv($buf, 64, 0, IPC_NOWAIT);
defined $type or die "rcv: $!\n";
print "rcv type=$type text=$buf\n";
defined $msg->rcv($buf, 64, 0, IPC_NOWAIT) and die "rcv of an empty queue succeeded\n";
print "empty: $!\n";
$msg->remove or die "remove: $!\n";
print "removed\n";
