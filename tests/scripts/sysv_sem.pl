# IPC::Semaphore (Perl core): a set of three, one value set, an operation
# with SEM_UNDO, all values read, removed.  Prints what it saw; on a
# failure, the call and Perl's $!, and exits 1.
use strict;
use warnings;
use IPC::SysV qw(IPC_PRIVATE IPC_CREAT S_IRUSR S_IWUSR SEM_UNDO);
use IPC::Semaphore;

my $sem = IPC::Semaphore->new(IPC_PRIVATE, 3, S_IRUSR | S_IWUSR | IPC_CREAT) or die "semget: $!\n";
print "semid=", $sem->id, "\n";
$sem->setval(1, 5) or die "setval: $!\n";
$sem->op(1, -2, SEM_UNDO) or die "op: $!\n";
my @values = $sem->getall;
@values or die "getall: $!\n";
print "getall=@values\n";
$sem->remove or die "remove: $!\n";
print "removed\n";
