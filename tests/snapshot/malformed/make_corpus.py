#!/usr/bin/env python3
"""make_corpus.py -- writes the malformed .heapsnapshot corpus next to itself.

Each case is the valid fixtures/tiny.heapsnapshot with one thing broken (or
a file with no snapshot in it at all).  The reader's expected message for
each file is in EXPECTED (name, tab, message after "PATH: "); the cmocka
test tests/snapshot/test_snapshot_file.c checks them all.  Run once when
adding a case:  python3 tests/snapshot/malformed/make_corpus.py
"""
import gzip, os

here = os.path.dirname(os.path.abspath(__file__))
base = open(os.path.join(here, '..', 'fixtures', 'tiny.heapsnapshot'), 'rb').read()

def sub(old, new, count=1):
    assert base.count(old) >= 1, old
    return base.replace(old, new, count)

def cut_at(marker, extra=0):
    i = base.index(marker) + extra
    return base[:i]

cases = {
    'empty': b'',
    'not-json': b'hello',
    'top-array': b'[1,2,3]',
    'top-string': b'"snapshot"',
    'trailing-garbage': base + b'x',
    'second-document': base + b'{}',
    'truncated-in-meta': cut_at(b'"edge_fields"'),
    'truncated-in-nodes': cut_at(b',3,5,9'),
    'truncated-in-edges': cut_at(b',6,9,35'),
    'truncated-in-strings': cut_at(b'"Holder"', 3),
    'truncated-last-brace': base.rstrip()[:-1],
    'missing-comma': sub(b'9,1,1,0,1,0,0\n', b'9,1,1,0,1,0 0\n'),
    'bad-escape': sub(b'"hello"', b'"hel\\xlo"'),
    'invalid-utf8': sub(b'"hello"', b'"hel\xff\xfelo"'),
    'node-count-small': sub(b'"node_count":7', b'"node_count":6'),
    'node-count-large': sub(b'"node_count":7', b'"node_count":8'),
    'node-count-huge': sub(b'"node_count":7', b'"node_count":4000000000'),
    'node-count-string': sub(b'"node_count":7', b'"node_count":"7"'),
    'node-count-zero': sub(b'"node_count":7', b'"node_count":0').replace(
        b'"edge_count":8', b'"edge_count":0').split(b'"nodes"')[0] +
        b'"nodes":[],"edges":[],"strings":[""]}',
    'edge-count-small': sub(b'"edge_count":8', b'"edge_count":7'),
    'edge-count-large': sub(b'"edge_count":8', b'"edge_count":9'),
    'edge-to-out-of-range': sub(b',1,0,42\n', b',1,0,49\n'),
    'edge-to-not-a-node': sub(b',1,0,42\n', b',1,0,43\n'),
    'negative-size': sub(b',3,4,7,40,', b',3,4,7,-40,'),
    'fractional-size': sub(b',3,4,7,40,', b',3,4,7,40.5,'),
    'exponent-size': sub(b',3,4,7,40,', b',3,4,7,4e1,'),
    'overflow-id': sub(b',3,4,7,40,', b',3,4,99999999999999999999999,40,'),
    'node-type-out-of-range': sub(b',3,4,7,40,', b',16,4,7,40,'),
    'edge-type-out-of-range': sub(b',6,9,35', b',7,9,35'),
    'node-name-beyond-strings': sub(b',3,5,9,', b',3,11,9,'),
    'edge-name-beyond-strings': sub(b',2,10,21', b',2,99,21'),
    'nodes-hold-string': sub(b',3,4,7,40,', b',3,"4",7,40,'),
    'nodes-hold-null': sub(b',3,4,7,40,', b',3,null,7,40,'),
    'nodes-not-array': sub(b'"nodes":[', b'"nodes":{"a":[').replace(b'2,7,13,24,0,0,0]', b'2,7,13,24,0,0,0]}'),
    'strings-hold-number': sub(b'"Holder"', b'42'),
    'no-meta': sub(base[base.index(b'"meta"'):base.index(b'"node_count"')], b''),
    'no-node-fields': sub(b'"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],', b''),
    'node-fields-no-id': sub(b'"name","id","self_size"', b'"name","ident","self_size"'),
    'edge-fields-no-to-node': sub(b'"name_or_index","to_node"', b'"name_or_index","target"'),
    'unknown-edge-type': sub(b'"shortcut","weak"]', b'"shortcut","strong"]'),
    'meta-field-twice': sub(b'"id","self_size"', b'"id","id","self_size"'),
    'no-nodes': base[:base.index(b'"nodes"')] + base[base.index(b'"edges"'):],
    'no-edges': base[:base.index(b'"edges"')] + base[base.index(b'"trace_function_infos"'):],
    'no-strings': base[:base.index(b',\n"strings"')] + b'}',
    'nodes-twice': sub(b'"trace_function_infos":[]', b'"nodes":[]'),
    'edges-before-nodes': base[:base.index(b'"nodes"')] + base[base.index(b'"edges"'):base.index(b'"trace_function_infos"')] +
        base[base.index(b'"nodes"'):base.index(b'"edges"')] + base[base.index(b'"trace_function_infos"'):],
    'nodes-before-snapshot': b'{' + base[base.index(b'"nodes"'):base.index(b'"edges"')] +
        base[1:base.index(b'"nodes"')] + base[base.index(b'"edges"'):],
    'deep-unclosed': b'{"trace_tree":' + b'[' * 10000,
    # a null or number in a meta list would shift every later name
    'node-type-name-null': sub(b'[["hidden","array"', b'[[null,"array"'),
    'node-field-number': sub(b'"node_fields":["type","name"', b'"node_fields":["type",7'),
    # "nodes\u0000x" is not "nodes"
    'key-with-nul': sub(b'"nodes":[', b'"nodes\\u0000x":['),
    # self sizes past 2^53 in all (sums and diffs must fit 64 bits signed)
    'self-size-past-2-53': sub(b',3,4,7,40,', b',3,4,7,9007199254740993,'),
    # ids are unique: node 4 takes node 3's id 7
    'duplicate-id': sub(b',3,5,9,40,', b',3,5,7,40,'),
}

gz_cases = {
    'gzip-truncated': gzip.compress(base, mtime=0)[:200],
    'gzip-corrupt-crc': (lambda z: z[:-8] + bytes([z[-8] ^ 0xff]) + z[-7:])(gzip.compress(base, mtime=0)),
}

for name, data in cases.items():
    with open(os.path.join(here, name + '.heapsnapshot'), 'wb') as f:
        f.write(data)
for name, data in gz_cases.items():
    with open(os.path.join(here, name + '.heapsnapshot.gz'), 'wb') as f:
        f.write(data)
print(len(cases) + len(gz_cases), 'files')
