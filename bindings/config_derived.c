/*
 * config_derived.c -- defaults that follow another key.
 *
 * Some defaults only make sense relative to another key: the compaction
 * quota and the incremental-marking start are "at most old_space.max_size",
 * the initial semispace is "at most the maximum", a large object is "below
 * page_size".  When the user sets only the key they depend on
 * (`old_space.max_size: 1MiB`, `--max-old-space-size=2`), such a default
 * follows it here, before validation; only a value the user set explicitly
 * can conflict (and is then reported at the line that set it).
 *
 * "Set explicitly" is what the origins record (every file line, --set,
 * flag); callers without origins (the Lua binding's tables) pass NULL, and
 * a value equal to the built-in default then counts as not set.
 */
#include <string.h>

#include "config_internal.h"
#include "gclab_config.h"

static bool is_set(const gc_config *cfg, const gc_config *def, const cfg_origins *o,
                   const char *path) {
  int k = cfg_find(path, strlen(path));
  if (o) return o->set[k];
  return cfg_field_get(k, cfg) != cfg_field_get(k, def);
}

static uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

void cfg_follow_derived(gc_config *cfg, const cfg_origins *o) {
  gc_config def;
  gc_config_default(&def);
  const uint64_t ps = cfg->page_size, om = cfg->old_space.max_size;
  const bool page_ok = ps && !(ps & (ps - 1));

  if (!is_set(cfg, &def, o, "old_space.compaction.quota") && cfg->old_space.evacuation_quota > om)
    cfg->old_space.evacuation_quota = om;
  if (!is_set(cfg, &def, o, "incremental.activation_size") && cfg->incremental.activation_size > om)
    cfg->incremental.activation_size = om;

  /* V8's chunk header is a fact of its 256 KiB page: a page of another size
   * has none unless page_header says so. */
  if (!is_set(cfg, &def, o, "page_header") && ps != def.page_size) cfg->page_header = 0;

  /* kMaxRegularHeapObjectSize is half a page in V8 (128 KiB of 256 KiB). */
  if (page_ok && !is_set(cfg, &def, o, "large_object.threshold") &&
      cfg->large_object.threshold >= ps)
    cfg->large_object.threshold = ps / 2;

  /* The semispaces: whole pages; the initial one at most the maximum (V8
   * clamps it the same way); a maximum below an explicit initial rises. */
  bool init_set = is_set(cfg, &def, o, "new_space.semi_space.initial");
  bool max_set = is_set(cfg, &def, o, "new_space.semi_space.max");
  if (page_ok && !max_set && cfg->new_space.semi_space_max % ps)
    cfg->new_space.semi_space_max = round_up(cfg->new_space.semi_space_max, ps);
  if (page_ok && !init_set && cfg->new_space.semi_space_initial % ps)
    cfg->new_space.semi_space_initial = round_up(cfg->new_space.semi_space_initial, ps);
  /* ...following only a maximum that is valid itself: else validation
   * would report the initial size, which the user did not write */
  bool max_ok = page_ok && cfg->new_space.semi_space_max >= ps && cfg->new_space.semi_space_max % ps == 0;
  if (!init_set && max_ok && cfg->new_space.semi_space_initial > cfg->new_space.semi_space_max)
    cfg->new_space.semi_space_initial = cfg->new_space.semi_space_max;
  if (init_set && !max_set && cfg->new_space.semi_space_max < cfg->new_space.semi_space_initial)
    cfg->new_space.semi_space_max = cfg->new_space.semi_space_initial;
}

int gclab_config_finish(gc_config *cfg, char *err, size_t errlen) {
  if (!cfg) {
    cfg_errf(err, errlen, "config: missing config");
    return -1;
  }
  gc_config work = *cfg;
  cfg_follow_derived(&work, NULL);
  if (gc_config_validate(&work, err, errlen) != GC_OK) return -1;
  *cfg = work;
  return 0;
}
