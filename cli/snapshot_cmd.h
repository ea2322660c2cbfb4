/*
 * snapshot_cmd.h -- `gclab snapshot ...` (cli/snapshot_cmd.c).
 */
#ifndef GCLAB_SNAPSHOT_CMD_H
#define GCLAB_SNAPSHOT_CMD_H

/* argv: the arguments after "snapshot".  Returns the exit status. */
int gclab_snapshot_main(int argc, char **argv);

#endif /* GCLAB_SNAPSHOT_CMD_H */
