#!/usr/bin/python3
"""Evaluate test/fixtures/template/ansible-corpus.yml with Ansible's own templar and write
test/fixtures/template/ansible-corpus.json: the value Ansible gives for every expression.

Needs Debian's ansible-core 2.14 and ansible (the collections: ansible.utils with python3-netaddr):
    apt-get install -y ansible-core ansible python3-netaddr
    python3 scripts/gen-ansible-corpus.py
The mocha test test/unit/template/ansible-corpus.test.ts compares kplay's values with this file.
"""
import json
import os
import sys

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.release import __version__ as ansible_version
from ansible.template import Templar

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, '..', 'test', 'fixtures', 'template', 'ansible-corpus.yml')
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'template', 'ansible-corpus.json')

# The environment the corpus' lookups read (the mocha test sets the same).
os.environ['KPLAY_CORPUS_ENV'] = 'from-env'
os.environ.pop('KPLAY_CORPUS_UNSET_VAR', None)


def main():
    with open(CORPUS) as f:
        corpus = yaml.safe_load(f)
    templar = Templar(loader=DataLoader(), variables=corpus['vars'])
    results = []
    failures = 0
    for expr in corpus['expressions']:
        # A prefix keeps Ansible from literal_eval-ing the JSON text back into Python values.
        try:
            rendered = templar.template('JSON:{{ (%s) | to_json }}' % expr)
            results.append({'expr': expr, 'value': json.loads(rendered[len('JSON:'):])})
        except Exception as err:  # noqa: BLE001 - report every failing entry, then stop
            failures += 1
            print('ansible cannot evaluate %r: %s' % (expr, err), file=sys.stderr)
    if failures:
        sys.exit('%d corpus entries fail in Ansible: fix the corpus' % failures)
    with open(OUT, 'w') as f:
        json.dump({'ansible_core': ansible_version, 'results': results}, f, indent=1, sort_keys=True)
        f.write('\n')
    print('%d expressions evaluated by ansible-core %s → %s' % (len(results), ansible_version, os.path.relpath(OUT)))


if __name__ == '__main__':
    main()
