-- profiles.lua -- the bundled heap profiles that the scenario suite's
-- baselines are recorded under (tests/baselines/<name>/), as a --matrix
-- file.  Re-record them all, from the repository root:
--
--   build/gclab run --record tests/baselines --matrix tests/regress/profiles.lua scripts/
--
-- tests/regress/CMakeLists.txt reads this file too: one CTest test per
-- scenario file per entry.  Keep one entry per line, in this form, with
-- each name equal to its config file's stem (so that `--config
-- configs/NAME.yaml` finds tests/baselines/NAME/).
return {
  {name = "default"},                                   -- the built-in default (= configs/node20.yaml)
  {name = "classic", config = "../../configs/classic.yaml"},
  {name = "tiny", config = "../../configs/tiny.yaml"},
  {name = "small", config = "../../configs/small.yaml"},
}
