/*
 * config_yaml.c -- the YAML loader: libyaml's event parser into gc_config.
 *
 * It reads events and never builds a document tree: each key is looked up
 * in the schema (config_schema.c) as soon as it is read, and anything the
 * schema does not expect stops the load right there, at its line and
 * column.  What follows from that:
 *  - nesting is bounded by the schema (three levels): a mapping where a
 *    value belongs is a type error, whatever lies inside it;
 *  - anchors, aliases and tags are refused at the first one, so a "billion
 *    laughs" file costs one event, and nothing is ever expanded;
 *  - work is linear in the input, which is capped at CFG_MAX_INPUT bytes and
 *    checked for NUL bytes and UTF-16 before libyaml sees it;
 *  - a failed load writes nothing: keys go into a copy that replaces *cfg
 *    only when the whole file has been read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config_flags.h"
#include "gclab_config.h"

typedef struct loader {
  const char *name; /* for messages */
  const char *text;
  size_t len;
  yaml_parser_t parser;
  gc_config work;
  cfg_origins *orig;
  bool seen[CFG_KEYS_MAX];
  yaml_mark_t seen_at[CFG_KEYS_MAX];
  cfg_node_layer node; /* flags, physical_memory, node_options_env: applied at the end */
  bool node_seen[3];
  yaml_mark_t node_seen_at[3];
  char *err;
  size_t errlen;
} loader;

#define TOP_LEVEL "(top level)"

static int fail(loader *L, size_t line, size_t column, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(loader *L, size_t line, size_t column, const char *path, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  cfg_errf(L->err, L->errlen, "%s:%zu:%zu: %s: %s", L->name, line, column,
           path[0] ? path : TOP_LEVEL, msg);
  return -1;
}

/* Line and column (1-based, columns in characters) of a byte offset. */
static void position(const char *t, size_t len, size_t off, size_t *line, size_t *col) {
  *line = 1, *col = 1;
  for (size_t i = 0; i < off && i < len; i++) {
    if (t[i] == '\n' || (t[i] == '\r' && (i + 1 >= len || t[i + 1] != '\n'))) {
      (*line)++, *col = 1;
    } else if (((unsigned char)t[i] & 0xC0) != 0x80 && t[i] != '\r') {
      (*col)++;
    }
  }
}

/* A libyaml mark as 1-based line and column.  At the end of a file whose
 * last line has no newline libyaml's mark is on the line after it, which
 * the file does not have: say the end of the last line instead. */
static void mark_position(const loader *L, yaml_mark_t m, size_t *line, size_t *col) {
  size_t end_line, end_col;
  position(L->text, L->len, L->len, &end_line, &end_col);
  *line = m.line + 1, *col = m.column + 1;
  if (*line > end_line || (*line == end_line && *col > end_col)) *line = end_line, *col = end_col;
}

static int fail_at(loader *L, yaml_mark_t m, const char *path, const char *what) {
  size_t line, col;
  mark_position(L, m, &line, &col);
  return fail(L, line, col, path, "%s", what);
}

/* The byte at a libyaml mark (0-based line and column in characters). */
static int char_at(const loader *L, yaml_mark_t m) {
  size_t line = 0, col = 0;
  for (size_t i = 0; i < L->len; i++) {
    if (line == m.line && col == m.column) return (unsigned char)L->text[i];
    if (L->text[i] == '\n') {
      if (line == m.line) return '\n';
      line++, col = 0;
    } else if (((unsigned char)L->text[i] & 0xC0) != 0x80) {
      col++;
    }
  }
  return -1;
}

/* libyaml could not go on: say why, where, and in which key. */
static int syntax_error(loader *L, const char *path) {
  const yaml_parser_t *p = &L->parser;
  if (p->error == YAML_MEMORY_ERROR) {
    cfg_errf(L->err, L->errlen, "%s: out of memory while parsing", L->name);
    return -1;
  }
  if (p->error == YAML_READER_ERROR) {
    /* libyaml points at the offending octet; for a broken multi-byte
     * sequence, point at (and show) the byte that started it instead. */
    size_t off = p->problem_offset, line, col;
    if (p->problem && strstr(p->problem, "trailing") && off <= L->len) {
      size_t start = off; /* back over continuation bytes to the lead byte */
      while (start > 0 && off - start < 3 && ((unsigned char)L->text[start - 1] & 0xC0) == 0x80)
        start--;
      if (start > 0 && ((unsigned char)L->text[start - 1] & 0xC0) == 0xC0) off = start - 1;
    }
    position(L->text, L->len, off, &line, &col);
    if (off < L->len)
      return fail(L, line, col, path, "found byte 0x%02x (%s), expected UTF-8 text",
                  (unsigned char)L->text[off], p->problem ? p->problem : "unreadable");
    return fail(L, line, col, path, "found %s, expected UTF-8 text",
                p->problem ? p->problem : "unreadable input");
  }
  char ctx[160] = "";
  if (p->context)
    snprintf(ctx, sizeof ctx, " (%s at line %zu, column %zu)", p->context,
             p->context_mark.line + 1, p->context_mark.column + 1);
  const char *hint = char_at(L, p->problem_mark) == '\t' ? "; YAML indents with spaces, not tabs"
                                                          : "";
  size_t line, col;
  mark_position(L, p->problem_mark, &line, &col);
  return fail(L, line, col, path,
              "found invalid YAML: %s%s%s", p->problem ? p->problem : "syntax error", ctx, hint);
}

static int next(loader *L, yaml_event_t *ev, const char *path) {
  if (yaml_parser_parse(&L->parser, ev)) return 0;
  return syntax_error(L, path);
}

/* Refuse what could make a small file large (aliases) or mean something
 * other than it reads (tags).  Applies to every node, keys included. */
static int plain_node(loader *L, const yaml_event_t *ev, const char *path) {
  const yaml_char_t *anchor = NULL, *tag = NULL;
  char q[CFG_QUOTE_MAX * 4 + 8], msg[256];
  switch (ev->type) {
  case YAML_ALIAS_EVENT:
    cfg_printable((const char *)ev->data.alias.anchor,
                  strlen((const char *)ev->data.alias.anchor), q, sizeof q);
    snprintf(msg, sizeof msg,
             "found an alias *%s, expected a plain value (anchors and aliases are not "
             "supported)",
             q);
    return fail_at(L, ev->start_mark, path, msg);
  case YAML_SCALAR_EVENT:
    anchor = ev->data.scalar.anchor, tag = ev->data.scalar.tag;
    break;
  case YAML_SEQUENCE_START_EVENT:
    anchor = ev->data.sequence_start.anchor, tag = ev->data.sequence_start.tag;
    break;
  case YAML_MAPPING_START_EVENT:
    anchor = ev->data.mapping_start.anchor, tag = ev->data.mapping_start.tag;
    break;
  default: return 0;
  }
  if (anchor) {
    cfg_printable((const char *)anchor, strlen((const char *)anchor), q, sizeof q);
    snprintf(msg, sizeof msg,
             "found an anchor &%s, expected a plain value (anchors and aliases are not "
             "supported)",
             q);
    return fail_at(L, ev->start_mark, path, msg);
  }
  if (tag) {
    cfg_quote((const char *)tag, strlen((const char *)tag), q, sizeof q);
    snprintf(msg, sizeof msg, "found a tag %s, expected an untagged value (tags are not supported)",
             q);
    return fail_at(L, ev->start_mark, path, msg);
  }
  return 0;
}

/* "a mapping", "a sequence", "a scalar 'x'": what a node is, for messages. */
static void describe(const yaml_event_t *ev, char *buf, size_t len) {
  char q[CFG_QUOTE_MAX * 4 + 8];
  switch (ev->type) {
  case YAML_MAPPING_START_EVENT: snprintf(buf, len, "a mapping"); break;
  case YAML_SEQUENCE_START_EVENT: snprintf(buf, len, "a sequence"); break;
  case YAML_SCALAR_EVENT:
    cfg_quote((const char *)ev->data.scalar.value, ev->data.scalar.length, q, sizeof q);
    snprintf(buf, len, "%s", q);
    break;
  default: snprintf(buf, len, "an alias"); break;
  }
}

/* A plain empty, "~" or "null" scalar: YAML's null. */
static bool is_null(const yaml_event_t *ev) {
  if (ev->type != YAML_SCALAR_EVENT || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return false;
  const char *v = (const char *)ev->data.scalar.value;
  return !strcmp(v, "") || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
         !strcmp(v, "NULL");
}

/* The key path of a key just read, for messages. */
static void join_path(char *out, size_t outlen, const char *section, const char *name,
                      size_t len) {
  char shown[CFG_QUOTE_MAX + 8];
  cfg_printable(name, len, shown, sizeof shown);
  snprintf(out, outlen, "%s%s%s", section, section[0] ? "." : "", shown);
}

/* "key:value" reads as one scalar in YAML; say so when that is the likely slip. */
static const char *colon_hint(const yaml_event_t *ev) {
  if (ev->type != YAML_SCALAR_EVENT || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return "";
  const char *c = memchr(ev->data.scalar.value, ':', ev->data.scalar.length);
  return c ? " (a key needs a space after its colon: 'key: value')" : "";
}

static int parse_mapping(loader *L, int section, const char *path);

/* One key's value: a section's mapping, or a leaf's scalar. */
static int parse_value(loader *L, int k, const char *path) {
  yaml_event_t ev;
  char what[CFG_QUOTE_MAX * 4 + 16], msg[1024];
  if (next(L, &ev, path)) return -1;
  int rc = plain_node(L, &ev, path);
  if (rc) goto done;
  if (cfg_keys[k].kind == CK_SECTION) {
    if (ev.type == YAML_MAPPING_START_EVENT) {
      rc = parse_mapping(L, k, path);
    } else if (!is_null(&ev)) { /* "section:" with every key commented out is fine */
      describe(&ev, what, sizeof what);
      char keys[384];
      cfg_list_children(k, keys, sizeof keys);
      snprintf(msg, sizeof msg, "found %s, expected a mapping with the keys %s%s", what, keys,
               colon_hint(&ev));
      rc = fail_at(L, ev.start_mark, path, msg);
    }
  } else if (ev.type == YAML_SCALAR_EVENT) {
    rc = cfg_parse_value(k, (const char *)ev.data.scalar.value, ev.data.scalar.length, &L->work,
                         msg, sizeof msg);
    if (rc)
      fail_at(L, ev.start_mark, path, msg);
    else
      cfg_origin_note(L->orig, k, "%s:%zu:%zu", L->name, ev.start_mark.line + 1,
                      ev.start_mark.column + 1);
  } else {
    describe(&ev, what, sizeof what);
    snprintf(msg, sizeof msg, "found %s, expected %s", what, cfg_expectation(k));
    rc = fail_at(L, ev.start_mark, path, msg);
  }
done:
  yaml_event_delete(&ev);
  return rc;
}

/* The value of a top-level Node key (flags, physical_memory,
 * node_options_env): kept, and applied when the whole file is read. */
static int parse_node_value(loader *L, int which, const char *path) {
  yaml_event_t ev;
  char what[CFG_QUOTE_MAX * 4 + 16], msg[1024];
  if (next(L, &ev, path)) return -1;
  int rc = plain_node(L, &ev, path);
  if (rc == 0 && ev.type != YAML_SCALAR_EVENT) {
    describe(&ev, what, sizeof what);
    snprintf(msg, sizeof msg, "found %s, expected %s", what,
             which == 0 ? "a string of Node flags, e.g. \"--max-old-space-size=64\""
             : which == 1 ? "a size, e.g. 512MiB" : "true or false");
    rc = fail_at(L, ev.start_mark, path, msg);
  } else if (rc == 0) {
    rc = cfg_node_note(&L->node, which, (const char *)ev.data.scalar.value,
                       ev.data.scalar.length, msg, sizeof msg);
    if (rc)
      fail_at(L, ev.start_mark, path, msg);
    else if (!L->node.where[0])
      snprintf(L->node.where, sizeof L->node.where, "%s:%zu:%zu", L->name,
               ev.start_mark.line + 1, ev.start_mark.column + 1);
  }
  yaml_event_delete(&ev);
  return rc;
}

/* The keys of one section, up to and including its MAPPING_END event. */
static int parse_mapping(loader *L, int section, const char *path) {
  for (;;) {
    yaml_event_t ev;
    char msg[768], kpath[256], what[CFG_QUOTE_MAX * 4 + 16];
    if (next(L, &ev, path)) return -1;
    if (ev.type == YAML_MAPPING_END_EVENT) {
      yaml_event_delete(&ev);
      return 0;
    }
    int rc = plain_node(L, &ev, path);
    if (!rc && ev.type != YAML_SCALAR_EVENT) {
      describe(&ev, what, sizeof what);
      snprintf(msg, sizeof msg, "found %s as a key, expected a key name", what);
      rc = fail_at(L, ev.start_mark, path, msg);
    }
    if (rc) {
      yaml_event_delete(&ev);
      return -1;
    }
    const char *name = (const char *)ev.data.scalar.value;
    size_t len = ev.data.scalar.length;
    yaml_mark_t at = ev.start_mark;
    join_path(kpath, sizeof kpath, path, name, len);
    int k = cfg_child(section, name, len);
    int which = section < 0 && k < 0 ? cfg_node_key(name, len) : -1;
    if (which >= 0) {
      bool again = L->node_seen[which];
      if (again) {
        snprintf(msg, sizeof msg,
                 "found the key '%.*s' a second time (first at line %zu, column %zu), expected "
                 "each key once",
                 (int)len, name, L->node_seen_at[which].line + 1, L->node_seen_at[which].column + 1);
        rc = fail_at(L, at, kpath, msg);
      }
      yaml_event_delete(&ev);
      L->node_seen[which] = true;
      L->node_seen_at[which] = at;
      if (rc || parse_node_value(L, which, kpath)) return -1;
      continue;
    }
    if (k < 0) {
      cfg_unknown_key(section, name, len, msg, sizeof msg);
      rc = fail_at(L, at, kpath, msg);
    } else if (L->seen[k]) {
      snprintf(msg, sizeof msg,
               "found the key '%s' a second time (first at line %zu, column %zu), expected "
               "each key once",
               cfg_name(k), L->seen_at[k].line + 1, L->seen_at[k].column + 1);
      rc = fail_at(L, at, kpath, msg);
    }
    yaml_event_delete(&ev);
    if (rc) return -1;
    L->seen[k] = true;
    L->seen_at[k] = at;
    if (parse_value(L, k, cfg_keys[k].path)) return -1;
  }
}

/* The stream: exactly one document whose root is a mapping. */
static int parse_stream(loader *L) {
  yaml_event_t ev;
  char what[CFG_QUOTE_MAX * 4 + 16], msg[512];
  int rc;
  if (next(L, &ev, "")) return -1; /* STREAM-START */
  yaml_event_delete(&ev);
  if (next(L, &ev, "")) return -1;
  if (ev.type == YAML_STREAM_END_EVENT) {
    yaml_event_delete(&ev);
    return fail(L, 1, 1, "",
                "found an empty file, expected a mapping of configuration keys (write {} for "
                "all defaults)");
  }
  yaml_event_delete(&ev); /* DOCUMENT-START */
  if (next(L, &ev, "")) return -1;
  rc = plain_node(L, &ev, "");
  if (rc == 0 && ev.type == YAML_MAPPING_START_EVENT) {
    rc = parse_mapping(L, -1, "");
    if (!rc && L->orig)
      snprintf(L->orig->fallback, sizeof L->orig->fallback, "%s:%zu:%zu", L->name,
               ev.start_mark.line + 1, ev.start_mark.column + 1);
  } else if (rc == 0 && is_null(&ev)) {
    rc = fail_at(L, ev.start_mark, "",
                 "found an empty document, expected a mapping of configuration keys (write {} "
                 "for all defaults)");
  } else if (rc == 0) {
    describe(&ev, what, sizeof what);
    snprintf(msg, sizeof msg, "found %s, expected a mapping of configuration keys%s", what,
             colon_hint(&ev));
    rc = fail_at(L, ev.start_mark, "", msg);
  }
  yaml_event_delete(&ev);
  if (rc) return -1;
  if (next(L, &ev, "")) return -1; /* DOCUMENT-END */
  yaml_event_delete(&ev);
  if (next(L, &ev, "")) return -1;
  if (ev.type != YAML_STREAM_END_EVENT)
    rc = fail_at(L, ev.start_mark, "",
                 "found a second YAML document, expected one document per file");
  yaml_event_delete(&ev);
  return rc;
}

int cfg_load_text(const char *name, const char *text, size_t len, gc_config *cfg,
                  cfg_origins *o, char *err, size_t errlen) {
  loader L;
  memset(&L, 0, sizeof L);
  char shown[CFG_PATH_SHOWN_MAX + 1];
  L.name = name ? cfg_path_shown(name, shown, sizeof shown) : "<string>";
  L.text = text;
  L.len = len;
  L.orig = o;
  L.err = err;
  L.errlen = errlen;
  if (!cfg || (!text && len)) {
    cfg_errf(err, errlen, "%s: no %s given", L.name, cfg ? "text" : "config");
    return -1;
  }
  if (len > CFG_MAX_INPUT)
    return fail(&L, 1, 1, "",
                "found %zu bytes, expected a configuration of at most %u bytes (1 MiB)", len,
                CFG_MAX_INPUT);
  const unsigned char *u = (const unsigned char *)text;
  if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
    return fail(&L, 1, 1, "", "found a UTF-16 byte-order mark, expected UTF-8 text");
  const char *nul = len ? memchr(text, '\0', len) : NULL;
  if (nul) {
    size_t line, col;
    position(text, len, (size_t)(nul - text), &line, &col);
    return fail(&L, line, col, "", "found a NUL byte (binary data?), expected UTF-8 YAML text");
  }
  if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
    /* A UTF-8 byte-order mark: libyaml skips it only when it guesses the
     * encoding, and we tell it the encoding. */
    L.text = text += 3;
    L.len = len -= 3;
  }
  L.work = *cfg;
  cfg_origin_layer(o);
  if (!yaml_parser_initialize(&L.parser)) {
    cfg_errf(err, errlen, "%s: out of memory", L.name);
    return -1;
  }
  yaml_parser_set_input_string(&L.parser, (const unsigned char *)(text ? text : ""), len);
  yaml_parser_set_encoding(&L.parser, YAML_UTF8_ENCODING);
  cfg_node_layer_init(&L.node, NULL);
  int rc = parse_stream(&L);
  yaml_parser_delete(&L.parser);
  if (rc == 0) {
    char msg[512];
    rc = cfg_node_layer_apply(&L.node, &L.work, L.seen, o, msg, sizeof msg);
    if (rc) cfg_errf(err, errlen, "%s: %s: %s", L.node.where, L.node.flags ? "flags" : "physical_memory", msg);
  }
  cfg_node_layer_free(&L.node);
  if (rc == 0) *cfg = L.work;
  return rc;
}

char *cfg_read_file(const char *file, size_t *len, char *err, size_t errlen) {
  char shown[CFG_PATH_SHOWN_MAX + 1];
  const char *path = cfg_path_shown(file, shown, sizeof shown); /* for messages */
  FILE *f = fopen(file, "rb");
  if (!f) {
    cfg_errf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    return NULL;
  }
  /* One byte more than allowed tells "too large" without reading it all. */
  char *buf = malloc(CFG_MAX_INPUT + 2);
  if (!buf) {
    fclose(f);
    cfg_errf(err, errlen, "%s: out of memory", path);
    return NULL;
  }
  errno = 0;
  size_t n = fread(buf, 1, CFG_MAX_INPUT + 1, f);
  int failed = ferror(f), rerr = errno;
  fclose(f);
  if (failed) {
    free(buf);
    cfg_errf(err, errlen, "%s: cannot read: %s", path, strerror(rerr ? rerr : EIO));
    return NULL;
  }
  if (n > CFG_MAX_INPUT) {
    free(buf);
    cfg_errf(err, errlen,
             "%s:1:1: " TOP_LEVEL ": found a file of more than %u bytes, expected a "
             "configuration of at most %u bytes (1 MiB)",
             path, CFG_MAX_INPUT, CFG_MAX_INPUT);
    return NULL;
  }
  buf[n] = '\0';
  *len = n;
  return buf;
}

static int load_validated(const char *name, const char *text, size_t len, gc_config *cfg,
                          char *err, size_t errlen) {
  cfg_origins *o = calloc(1, sizeof *o);
  if (!o) {
    cfg_errf(err, errlen, "%s: out of memory", name ? name : "<string>");
    return -1;
  }
  if (!cfg) {
    free(o);
    cfg_errf(err, errlen, "%s: no config given", name ? name : "<string>");
    return -1;
  }
  gc_config work = *cfg;
  int rc = cfg_load_text(name, text, len, &work, o, err, errlen);
  if (rc == 0) cfg_follow_derived(&work, o);
  if (rc == 0) rc = cfg_validate_with_origins(&work, o, err, errlen);
  if (rc == 0) *cfg = work;
  free(o);
  return rc;
}

int gclab_config_load_string(const char *text, size_t len, const char *name, gc_config *cfg,
                             char *err, size_t errlen) {
  return load_validated(name, text, len, cfg, err, errlen);
}

int gclab_config_load_file(const char *path, gc_config *cfg, char *err, size_t errlen) {
  if (!path) {
    cfg_errf(err, errlen, "config: no file name given");
    return -1;
  }
  size_t len = 0;
  char *text = cfg_read_file(path, &len, err, errlen);
  if (!text) return -1;
  int rc = load_validated(path, text, len, cfg, err, errlen);
  free(text);
  return rc;
}

int cfg_yaml_scalar(const char *text, size_t len, char **out, size_t *outlen, char *err,
                    size_t errlen) {
  yaml_parser_t p;
  yaml_event_t ev;
  int rc = -1, depth = 0;
  *out = NULL;
  if (!yaml_parser_initialize(&p)) {
    cfg_errf(err, errlen, "out of memory");
    return -1;
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
  for (;;) {
    if (!yaml_parser_parse(&p, &ev)) {
      char q[CFG_QUOTE_MAX * 4 + 8];
      cfg_quote(text, len, q, sizeof q);
      cfg_errf(err, errlen, "found %s (%s), expected one quoted value", q,
               p.problem ? p.problem : "not YAML");
      break;
    }
    yaml_event_type_t t = ev.type;
    if (t == YAML_SCALAR_EVENT && depth == 0 && !*out) {
      *out = malloc(ev.data.scalar.length + 1);
      if (*out) {
        memcpy(*out, ev.data.scalar.value, ev.data.scalar.length);
        (*out)[ev.data.scalar.length] = '\0';
        *outlen = ev.data.scalar.length;
      }
    } else if (t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT ||
               t == YAML_MAPPING_START_EVENT || t == YAML_ALIAS_EVENT) {
      depth++;
    }
    yaml_event_delete(&ev);
    if (t == YAML_STREAM_END_EVENT) {
      rc = *out && depth == 0 ? 0 : -1;
      if (rc) cfg_errf(err, errlen, "found more than one value, expected one quoted value");
      break;
    }
  }
  yaml_parser_delete(&p);
  if (rc) {
    free(*out);
    *out = NULL;
  }
  return rc;
}
