/* Linked statically (see Makefile): a program LD_PRELOAD cannot reach. */
int main(void)
{
	return 0;
}
