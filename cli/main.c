/*
 * main.c -- `gclab`: the command users run.
 *
 *   gclab run [OPTIONS] FILES-OR-DIRS...   run scenario scripts (TAP output)
 *   gclab config [--config F]... [--set K=V]...   print the effective config
 *   gclab lua SCRIPT [ARGS...]             run a Lua script with gclab loaded
 *   gclab snapshot summary|path|diff|leaks FILES...   .heapsnapshot analysis
 *   gclab sweep --vary K=V1,V2 ... FILES   what-if sweeps of heap parameters
 *   gclab trace plot FILE [--compare ...]  plot a node --trace-gc log
 *   gclab trace compare NODE_TRACE SCENARIO.lua   Node vs gclab, four measures
 *   gclab --help | --version
 *
 * Exit status: 0 success; 1 a scenario or script failed; 2 usage or
 * configuration error.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "snapshot_cmd.h"

#ifdef GCLAB_HAVE_CONFIG
#include "gclab_config.h"
#endif

static const char usage[] =
    "usage: gclab COMMAND [ARGS...]\n"
    "\n"
    "gclab is a garbage-collection laboratory: V8's generational heap in C,\n"
    "driven from Lua scenario scripts.\n"
    "\n"
    "commands:\n"
    "  run [OPTIONS] FILES-OR-DIRS...  run scenario scripts, report TAP\n"
    "                                  (gclab run --help lists the options)\n"
    "  config [--config FILE]... [HEAP-FLAG]... [--set KEY=VALUE]...\n"
    "                                  print the effective heap configuration\n"
    "  lua [HEAP-FLAG]... SCRIPT [ARGS...]\n"
    "                                  run a Lua script with require \"gclab\"\n"
    "  snapshot summary|path|diff|leaks FILES...\n"
    "                                  analyse .heapsnapshot files (Node's or\n"
    "                                  gclab's)\n"
    "  sweep --vary KEY=V1,V2,... FILES-OR-DIRS...\n"
    "                                  run scenarios under every combination of\n"
    "                                  values; a table of GC metrics and a chart\n"
    "  trace plot FILE [--compare SCENARIOS]\n"
    "                                  plot a node --trace-gc log as SVG/HTML\n"
    "  trace compare NODE_TRACE SCENARIO.lua [OPTIONS]\n"
    "                                  a node --trace-gc log and gclab's replay side\n"
    "                                  by side, four fidelity measures (pass/fail)\n"
    "  help                            this text\n"
    "\n"
    "HEAP-FLAG: Node's heap flags as Node spells them (--max-old-space-size=64,\n"
    "--max-semi-space-size=1, --physical-memory=512MiB, ...), for run, config\n"
    "and lua alike; docs/configuration.md lists them.\n"
    "\n"
    "options:\n"
    "  -h, --help      this text\n"
    "  -V, --version   print the version\n"
    "\n"
    "exit status: 0 ok, 1 a scenario or script failed, 2 usage or config error\n"
    "docs: docs/runner.md, docs/lua-api.md\n";

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "gclab: expected a command\n\n%s", usage);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "run") == 0) return gclab_host_run(argc - 2, argv + 2);
  if (strcmp(cmd, "lua") == 0) return gclab_host_script(argc - 2, argv + 2);
  if (strcmp(cmd, "snapshot") == 0) return gclab_snapshot_main(argc - 2, argv + 2);
  if (strcmp(cmd, "sweep") == 0) return gclab_host_module("gclab.runner.sweep", "gclab sweep", argc - 2, argv + 2);
  if (strcmp(cmd, "trace") == 0) return gclab_host_module("gclab.runner.trace", "gclab trace", argc - 2, argv + 2);
  if (strcmp(cmd, "config") == 0) {
#ifdef GCLAB_HAVE_CONFIG
    return gclab_config_main(argc - 1, argv + 1, stdout, stderr);
#else
    fputs("gclab config: this build has no config loader\n", stderr);
    return 2;
#endif
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(usage, stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 || strcmp(cmd, "version") == 0) {
    printf("gclab %s\n", GCLAB_VERSION_STRING);
    return 0;
  }
  fprintf(stderr, "gclab: unknown command '%s'\n\n%s", cmd, usage);
  return 2;
}
