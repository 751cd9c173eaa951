#!/usr/bin/perl
# A real third-party client: Perl's core IPC::SharedMem object and the
# shmget/shmwrite/shmread/shmctl built-ins (which attach and detach around
# every read and write).  Prints the ids it got so tests can check the trace.
use strict;
use warnings;
use IPC::SysV qw(IPC_PRIVATE IPC_CREAT IPC_RMID S_IRUSR S_IWUSR);
use IPC::SharedMem;

my $shm = IPC::SharedMem->new(IPC_PRIVATE, 4096, S_IRUSR | S_IWUSR | IPC_CREAT)
    or die "IPC::SharedMem->new: $!\n";
$shm->write("hello from perl", 0, 15) or die "write: $!\n";
my $data = $shm->read(0, 15);
printf "object id=%d size=%d data=%s\n", $shm->id, $shm->stat->segsz, $data;

my $id = shmget(IPC_PRIVATE, 1024, IPC_CREAT | 0600) // die "shmget: $!\n";
shmwrite($id, "builtin", 0, 7) or die "shmwrite: $!\n";
my $buf;
shmread($id, $buf, 0, 7) or die "shmread: $!\n";
print "builtin id=$id data=$buf\n";

shmctl($id, IPC_RMID, 0) or die "shmctl: $!\n";
$shm->remove or die "remove: $!\n";
