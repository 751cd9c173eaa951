<?php
// A real third-party user of SysV shared memory: PHP's shmop and sysvshm
// extensions, which PHP loads with RTLD_DEEPBIND (tests/deepbind.bats).
//   php shm.php KEY clean   shmop: create, write, read back, delete, close;
//                           sysvshm at KEY+1: attach, put, get, remove
//   php shm.php KEY leak    the same, but the shmop segment is never deleted
//   php shm.php KEY drop    clean, after becoming nobody (posix_setuid)
// Prints what it did, one line per step; a failed step ends the script
// with status 1 and the message PHP gave.
$key = intval($argv[1], 0);
$mode = $argv[2] ?? "clean";
if ($mode === "drop") {
	if (!posix_setgid(65534) || !posix_setuid(65534)) {
		echo "cannot become nobody\n";
		exit(1);
	}
	echo "uid ", posix_getuid(), "\n";
}

$seg = @shmop_open($key, "c", 0600, 4096);
if ($seg === false) {
	echo "shmop_open failed: ", error_get_last()["message"], "\n";
	exit(1);
}
shmop_write($seg, "hello from php", 0);
echo "shmop read: ", shmop_read($seg, 0, 14), "\n";
if ($mode !== "leak") {
	shmop_delete($seg);
	echo "shmop deleted\n";
}

$vars = shm_attach($key + 1, 8192, 0600);
shm_put_var($vars, 1, ["answer" => 42]);
echo "shm var: ", shm_get_var($vars, 1)["answer"], "\n";
shm_remove($vars);
shm_detach($vars);
echo "done\n";
