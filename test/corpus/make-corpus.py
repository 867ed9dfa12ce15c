#!/usr/bin/env python3
"""Writes test/corpus/invalid/*.yaml from the cases below.

Each case marks, in its YAML body, where each diagnostic must point: `⟨DF101⟩` stands right
before the token the compiler must locate. The marker is removed and an `# expect: CODE line:col`
header line is written for it, so a case states its intent once, in place.
Run: python3 test/corpus/make-corpus.py
"""
import os, re

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'invalid')
M = re.compile(r'⟨(DF\d{3})⟩')

CASES = {}
def case(name, title, body):
    CASES[name] = (title, body)

# --- 0xx: YAML syntax -------------------------------------------------------------------------
case('syntax-unclosed-flow', 'YAML syntax error: an unclosed flow sequence', '''dsl: 1
steps: [ { activity: SayHello }
⟨DF001⟩''')
case('syntax-duplicate-key', 'a key given twice in one step', '''dsl: 1
steps:
  - activity: SayHello
    ⟨DF002⟩activity: Sleep
''')
case('syntax-tab-indent', 'a tab used for indentation', '''dsl: 1
steps:
⟨DF003⟩\t- activity: SayHello
''')
case('syntax-not-a-mapping', 'the document is a list, not a workflow mapping', '''⟨DF004⟩- activity: SayHello
''')
case('syntax-anchor-alias', 'anchors and aliases are not supported', '''dsl: 1
steps:
  - activity: SayHello
    input: ⟨DF005⟩&who world
  - activity: SayHello
    input: ⟨DF005⟩*who
''')
case('syntax-two-documents', 'two YAML documents in one file', '''dsl: 1
steps:
  - activity: SayHello
⟨DF005⟩---
dsl: 1
''')

# --- 1xx: schema ------------------------------------------------------------------------------
case('schema-unknown-step-key', 'a misspelled key in a step', '''dsl: 1
steps:
  - id: charge
    activity: SayHello
    ⟨DF101⟩inptu: world
''')
case('schema-unknown-top-key', 'a misspelled top-level key', '''dsl: 1
⟨DF101⟩stesp: []
steps:
  - activity: SayHello
''')
case('schema-missing-dsl', 'the dsl version is missing', '''⟨DF102⟩name: noDsl
steps:
  - activity: SayHello
''')
case('schema-missing-steps', 'a workflow without steps', '''⟨DF102⟩dsl: 1
name: noSteps
''')
case('schema-wrong-dsl', 'an unsupported language version', '''dsl: ⟨DF104⟩2
steps:
  - activity: SayHello
''')
case('schema-maxparallel-string', 'maxParallel given as a string', '''dsl: 1
steps:
  - forEach: ${ [1, 2, 3] }
    maxParallel: ⟨DF103⟩ten
    activity: SayHello
''')
case('schema-maxparallel-zero', 'maxParallel below 1', '''dsl: 1
steps:
  - forEach: ${ [1, 2, 3] }
    maxParallel: ⟨DF105⟩0
    activity: SayHello
''')
case('schema-bad-ontimeout', 'onTimeout outside its enum', '''dsl: 1
steps:
  - waitForEvent: Approval
    timeout: 1h
    onTimeout: ⟨DF104⟩retry
''')
case('schema-bad-onitemerror', 'onItemError outside its enum', '''dsl: 1
steps:
  - forEach: ${ [1] }
    maxParallel: 2
    onItemError: ⟨DF104⟩ignore
    activity: SayHello
''')
case('schema-bad-duration', 'a timeout that is not a duration', '''dsl: 1
steps:
  - activity: SayHello
    timeout: ⟨DF105⟩5 minutes
''')
case('schema-bad-delay', 'a delay that is not a duration', '''dsl: 1
steps:
  - delay: ⟨DF105⟩soon
''')
case('schema-no-kind', 'a step without a kind key', '''dsl: 1
steps:
  - ⟨DF106⟩id: lonely
    input: 1
''')
case('schema-two-kinds', 'a step with two kind keys', '''dsl: 1
steps:
  - activity: SayHello
    ⟨DF106⟩delay: 5s
''')
case('schema-bad-name', 'a workflow name that is not an identifier', '''dsl: 1
name: ⟨DF105⟩my-workflow
steps:
  - activity: SayHello
''')
case('schema-bad-step-id', 'a step id that is not an identifier', '''dsl: 1
steps:
  - id: ⟨DF105⟩charge order
    activity: SayHello
''')
case('schema-bad-authlevel', 'an HTTP authLevel outside its enum', '''dsl: 1
trigger:
  http: { route: x, authLevel: ⟨DF104⟩public }
steps:
  - activity: SayHello
''')
case('schema-bad-method', 'an HTTP method outside its enum', '''dsl: 1
trigger:
  http:
    methods: [POST, ⟨DF104⟩FETCH]
steps:
  - activity: SayHello
''')
case('schema-retry-unknown-key', 'a misspelled retry option', '''dsl: 1
steps:
  - activity: SayHello
    retry:
      maxAttempts: 3
      ⟨DF101⟩intervall: 5s
''')
case('schema-retry-attempts-type', 'retry.maxAttempts as a string', '''dsl: 1
steps:
  - activity: SayHello
    retry: { maxAttempts: ⟨DF103⟩three, interval: 5s }
''')
case('schema-steps-empty', 'an empty steps list', '''dsl: 1
steps: ⟨DF105⟩[]
''')
case('schema-catch-missing-steps', 'a catch without steps', '''dsl: 1
steps:
  - try:
      - activity: SayHello
    catch: ⟨DF102⟩{ as: err }
''')
case('schema-nested-unknown-key', 'a misspelled key deep inside a forEach body', '''dsl: 1
steps:
  - forEach: ${ [1, 2] }
    maxParallel: 2
    steps:
      - activity: SayHello
        ⟨DF101⟩retyr: { maxAttempts: 2, interval: 1s }
''')
case('schema-singleton-onconflict', 'singleton.onConflict outside its enum', '''dsl: 1
singleton:
  key: ${ input.id }
  onConflict: ⟨DF104⟩replace
steps:
  - activity: SayHello
''')
case('schema-parallel-not-list', 'parallel given a mapping instead of a list of branches', '''dsl: 1
steps:
  - parallel: ⟨DF103⟩{ steps: [] }
''')

# --- 2xx: steps and references ----------------------------------------------------------------
case('ref-duplicate-id', 'two steps share an id', '''dsl: 1
steps:
  - id: greet
    activity: SayHello
  - ⟨DF201⟩id: greet
    activity: SayHello
''')
case('ref-unknown-step', 'a misspelled step id in an expression', '''dsl: 1
steps:
  - id: greet
    activity: SayHello
output: ${ steps.⟨DF202⟩gret.output }
''')
case('ref-before-run', 'a step read before it has run', '''dsl: 1
steps:
  - activity: SayHello
    input: ${ steps.⟨DF203⟩later.output }
  - id: later
    activity: SayHello
''')
case('ref-inner-scope', 'a forEach body step read outside the body', '''dsl: 1
steps:
  - forEach: ${ [1, 2] }
    maxParallel: 2
    steps:
      - id: inner
        activity: SayHello
output: ${ steps.⟨DF203⟩inner.output }
''')
case('ref-without-output', 'a step read without .output', '''dsl: 1
steps:
  - id: greet
    activity: SayHello
output: ${ ⟨DF207⟩steps.greet }
''')
case('ref-reserved-as', 'a forEach item named like a reserved name', '''dsl: 1
steps:
  - forEach: ${ [1, 2] }
    as: ⟨DF206⟩input
    maxParallel: 2
    activity: SayHello
''')

# --- 3xx: expressions -------------------------------------------------------------------------
case('expr-syntax', 'an expression that does not parse', '''dsl: 1
steps:
  - activity: SayHello
    input: ${ input.⟨DF301⟩ }
''')
case('expr-unclosed', 'an unclosed ${', '''dsl: 1
steps:
  - activity: SayHello
    input: ⟨DF301⟩"hello ${ input.name"
''')
case('expr-unknown-name', 'an unknown name', '''dsl: 1
steps:
  - activity: SayHello
    input: ${ ⟨DF302⟩inptu.name }
''')
case('expr-date', 'Date breaks replay determinism', '''dsl: 1
steps:
  - activity: SayHello
    input: ${ ⟨DF303⟩Date.now() }
''')
case('expr-new', 'new is not allowed', '''dsl: 1
steps:
  - activity: SayHello
    input: ${ ⟨DF303⟩new Array(3) }
''')
case('expr-assignment', 'assignment is not allowed', '''dsl: 1
steps:
  - activity: SayHello
    input: ${ ⟨DF303⟩input.x = 1 }
''')
case('expr-this', 'this is not allowed', '''dsl: 1
steps:
  - activity: SayHello
    input: ${ ⟨DF303⟩this }
''')
case('expr-math-random', 'Math.random breaks replay determinism', '''dsl: 1
steps:
  - activity: SayHello
    input: ${ ⟨DF304⟩Math.random() }
''')
case('expr-mutating-method', 'a mutating array method', '''dsl: 1
steps:
  - activity: SayHello
    input: ${ ⟨DF304⟩input.list.push(1) }
''')
case('expr-unlisted-call', 'a call not on the allow-list', '''dsl: 1
steps:
  - activity: SayHello
    input: ${ ⟨DF304⟩fetch("https://example.com") }
''')
case('expr-constructor', 'constructor access', '''dsl: 1
steps:
  - activity: SayHello
    input: ${ input.⟨DF305⟩constructor }
''')
case('expr-proto', '__proto__ access via an index', '''dsl: 1
steps:
  - activity: SayHello
    input: ${ input[⟨DF305⟩"__proto__"] }
''')
case('expr-singleton-reads-steps', 'a singleton key that reads more than input', '''dsl: 1
singleton:
  key: ${ ⟨DF306⟩instanceId }
steps:
  - activity: SayHello
''')
case('expr-in-template', 'an error inside an interpolated string', '''dsl: 1
steps:
  - status: "processed ${ ⟨DF302⟩count } items"
''')

# --- 4xx: project -----------------------------------------------------------------------------
case('project-unknown-activity', 'a misspelled activity', '''dsl: 1
steps:
  - ⟨DF401⟩activity: SayHelo
''')
case('project-unknown-workflow', 'a misspelled sub-workflow', '''dsl: 1
steps:
  - ⟨DF402⟩workflow: helo
''')
case('project-self-recursion', 'a workflow that calls itself', '''dsl: 1
name: selfCall
steps:
  - ⟨DF403⟩workflow: selfCall
''')
case('project-duplicate-name', 'a workflow name already used by an example', '''⟨DF205⟩dsl: 1
name: hello
steps:
  - activity: SayHello
''')

# --- 5xx: warnings (the file still fails because of its error) --------------------------------
case('warn-large-fanout', 'a large literal fan-out without maxParallel, plus an error', '''dsl: 1
steps:
  - ⟨DF501⟩forEach: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]
    activity: SayHello
  - ⟨DF401⟩activity: Nope
''')
case('warn-unreachable', 'a step after fail never runs, plus an error', '''dsl: 1
steps:
  - fail: { error: Stop, message: stopped }
  - ⟨DF502⟩activity: SayHello
  - ⟨DF401⟩activity: Nope
''')
case('warn-partition-nested', 'partitionSize on a forEach inside another forEach body, plus an error', '''dsl: 1
steps:
  - forEach: ${ input.groups }
    as: group
    maxParallel: 2
    steps:
      - ⟨DF503⟩forEach: ${ group.items }
        maxParallel: 5
        partitionSize: 50
        activity: SayHello
  - ⟨DF401⟩activity: Nope
''')
case('warn-partition-writes', 'partitionSize on a forEach whose body sets a variable, plus an error', '''dsl: 1
steps:
  - ⟨DF503⟩forEach: ${ input.items }
    maxParallel: 5
    partitionSize: 50
    steps:
      - activity: SayHello
      - set:
          last: ${ item }
  - ⟨DF401⟩activity: Nope
''')
case('guarded-fail-continues', 'a step after a guarded fail may run: no DF502, only the error', '''dsl: 1
steps:
  - if: ${ input.stop }
    fail: { error: Stop, message: stopped }
  - activity: SayHello
  - if: ${ input.again }
    continueAsNew: ${ input }
  - ⟨DF401⟩activity: Nope
''')

# --- hardening: limits, input schemas, regexes, names, routes ---------------------------------
case('syntax-too-deep', 'mappings and lists nested more than 64 levels', 'dsl: 1\nsteps:\n  - activity: SayHello\n    input: ' + '[' * 61 + '⟨DF006⟩' + '[' * 9 + ']' * 70 + '\n')
case('schema-input-bad-type', 'an input schema with an unknown type', """dsl: 1
input:
  type: ⟨DF107⟩foo
steps:
  - activity: SayHello
""")
case('schema-input-bad-pattern', 'an input schema pattern the regex engine rejects', """dsl: 1
input:
  type: string
  pattern: ⟨DF107⟩"(unclosed"
steps:
  - activity: SayHello
""")
case('schema-input-unresolved-ref', 'an input schema $ref that resolves nowhere', """dsl: 1
input:
  type: object
  properties:
    order: { $ref: ⟨DF107⟩"#/definitions/order" }
steps:
  - activity: SayHello
""")
case('schema-input-self-ref', 'an input schema $ref that leads back to itself without reading data', """dsl: 1
input:
  $ref: "#/definitions/a"
  definitions:
    a: { $ref: ⟨DF107⟩"#/definitions/a" }
steps:
  - activity: SayHello
""")
case('schema-input-async', 'an $async input schema (validation would return a promise)', """dsl: 1
input:
  ⟨DF108⟩$async: true
  type: object
steps:
  - activity: SayHello
""")
case('schema-input-draft', 'an input schema of another draft', """dsl: 1
input:
  $schema: ⟨DF108⟩https://json-schema.org/draft/2020-12/schema
  type: object
steps:
  - activity: SayHello
""")
case('schema-input-redos', 'an input schema pattern that backtracks catastrophically', """dsl: 1
input:
  type: object
  properties:
    code: { type: string, pattern: ⟨DF309⟩"^(\\\\w+\\\\s?)*$" }
steps:
  - activity: SayHello
""")
case('schema-name-too-long', 'a workflow name longer than 100 characters', 'dsl: 1\nname: ⟨DF105⟩' + 'w' * 301 + '\nsteps:\n  - activity: SayHello\n')
case('schema-blank-description', 'a blank description', """dsl: 1
description: ⟨DF105⟩"   "
steps:
  - activity: SayHello
""")
case('schema-route-catch-all', 'a route with a catch-all parameter', """dsl: 1
trigger:
  http: { route: ⟨DF105⟩"api/{*rest}", authLevel: anonymous }
steps:
  - activity: SayHello
""")
case('expr-too-deep', 'an expression nested more than 64 brackets deep', 'dsl: 1\nsteps:\n  - activity: SayHello\n    input: ${ ' + '(' * 64 + '⟨DF307⟩' + '(' * 6 + '1' + ')' * 70 + ' }\n')
case('expr-match-dynamic', 'a regular expression compiled from data', """dsl: 1
steps:
  - activity: SayHello
    input: ${ input.text.match(⟨DF308⟩input.pattern) }
""")
case('expr-regex-catastrophic', 'a regex literal that backtracks catastrophically', """dsl: 1
steps:
  - activity: SayHello
    input: ${ input.text.replace(/^(⟨DF309⟩a+)+$/, "") }
""")
case('expr-shadow-runtime', 'an arrow parameter named like the runtime the generated code uses', """dsl: 1
steps:
  - activity: SayHello
    input: ${ input.list.map(⟨DF206⟩rt => rt[input.key]) }
""")
case('expr-implicit-hook', 'an object key JavaScript calls by itself', """dsl: 1
steps:
  - activity: SayHello
    input: "${ JSON.stringify({ ⟨DF305⟩toJSON: input.f }) }"
""")
case('expr-this-arg', 'a thisArg passed to map', """dsl: 1
steps:
  - activity: SayHello
    input: ${ input.list.map(String, ⟨DF304⟩input.that) }
""")
case('ref-object-member-ids', 'a step id and a variable named like members every object has', """dsl: 1
steps:
  - id: ⟨DF206⟩constructor
    activity: SayHello
  - set:
      ⟨DF206⟩__proto__: ${ input }
""")
case('project-route-overlap', "a route under another workflow's instances route", """dsl: 1
trigger:
  http: { route: ⟨DF405⟩orders/process/instances }
steps:
  - activity: SayHello
""")
case('project-route-reserved', 'a route under /api/flow, kept for the status pages', """dsl: 1
trigger:
  http: { route: ⟨DF405⟩flow/orders }
steps:
  - activity: SayHello
""")
case('project-function-clash', 'a workflow whose function name is an activity name in another case', """dsl: 1
name: ⟨DF406⟩sayhello
steps:
  - activity: SayHello
""")

# --- loops: repeat and break ------------------------------------------------------------------
case('loop-break-outside', 'a break that no loop encloses', '''dsl: 1
steps:
  - activity: SayHello
  - if: ${ input.stop }
    ⟨DF208⟩break: true
''')
case('loop-break-parallel-foreach', 'a break in a forEach that runs its items at the same time', '''dsl: 1
steps:
  - forEach: ${ input.names }
    maxParallel: 2
    steps:
      - activity: SayHello
      - ⟨DF208⟩break: true
''')
case('loop-break-parallel-branch', 'a break may not leave a parallel branch, even inside a repeat', '''dsl: 1
steps:
  - repeat:
      maxIterations: 3
      steps:
        - parallel:
            - steps:
                - ⟨DF208⟩break: true
            - steps:
                - activity: SayHello
''')
case('loop-while-and-until', 'a repeat with both while and until', '''dsl: 1
steps:
  - repeat:
      while: ${ loop.index < 3 }
      until: ⟨DF208⟩${ loop.last === 'done' }
      maxIterations: 5
      steps:
        - activity: SayHello
''')
case('loop-misspelt-key', 'a misspelt repeat key (the missing maxIterations it stands for is not reported again)', '''dsl: 1
steps:
  - repeat:
      ⟨DF101⟩maxIteration: 5
      steps:
        - activity: SayHello
''')
case('loop-no-bound', 'a repeat needs maxIterations', '''dsl: 1
steps:
  - repeat:
      ⟨DF102⟩until: ${ loop.last === 'done' }
      steps:
        - activity: SayHello
''')
case('loop-long-in-one-history', 'a long repeat whose body waits for an event stays in one history', '''dsl: 1
steps:
  - ⟨DF505⟩repeat:
      maxIterations: 1000
      steps:
        - waitForEvent: Tick
  - ⟨DF208⟩break: true
''')
case('loop-bad-values', 'a condition that is not an expression, a duration that is not one, a break that is not true', '''dsl: 1
steps:
  - repeat:
      until: ⟨DF103⟩done
      interval: ⟨DF105⟩soon
      maxIterations: ⟨DF105⟩0
      steps:
        - activity: SayHello
        - break: ⟨DF104⟩false
''')
case('quorum-too-large', 'a quorum larger than the branches of its parallel, and than a literal forEach list', """dsl: 1
steps:
  - parallel:
      - steps: [ { activity: SayHello } ]
      - steps: [ { activity: SayHello } ]
    succeedWhen: { atLeast: ⟨DF212⟩3 }
  - forEach: [1, 2]
    activity: SayHello
    succeedWhen: { atLeast: ⟨DF212⟩5 }
""")
case('quorum-bad-values', 'a quorum of 0, one that is neither a number nor an expression, and a misspelt key', """dsl: 1
steps:
  - parallel:
      - steps: [ { activity: SayHello } ]
    succeedWhen: { atLeast: ⟨DF105⟩0 }
  - parallel:
      - steps: [ { activity: SayHello } ]
    succeedWhen: { atLeast: ⟨DF103⟩many }
  - parallel:
      - steps: [ { activity: SayHello } ]
    succeedWhen: { ⟨DF101⟩atleast: 1 }
""")
case('quorum-on-activity', 'succeedWhen on a step that is not a parallel or forEach', """dsl: 1
steps:
  - activity: SayHello
    ⟨DF101⟩succeedWhen: { atLeast: 1 }
""")
case('quorum-unknown-name', 'a quorum expression that reads an unknown name', """dsl: 1
steps:
  - parallel:
      - steps: [ { activity: SayHello } ]
    succeedWhen: { atLeast: "${ ⟨DF302⟩quorum }" }
""")
case('loop-name-outside', 'loop read outside a repeat', '''dsl: 1
steps:
  - activity: SayHello
    input: ${ ⟨DF302⟩loop.index }
''')
case('loop-steps-after-break', 'steps after an unguarded break never run; loop.index is fine inside', '''dsl: 1
steps:
  - repeat:
      maxIterations: 3
      steps:
        - activity: SayHello
          input: ${ loop.index }
        - break: true
        - ⟨DF502⟩activity: SayHello
  - ⟨DF208⟩break: true
''')
case('duration-too-long', 'durations longer than 1000 years, the longest a durable timer allows here', '''dsl: 1
steps:
  - delay: ⟨DF215⟩400000d
  - activity: SayHello
    retry:
      maxAttempts: 3
      interval: 1s
      maxInterval: ⟨DF215⟩P400000D
''')
case('duration-helpers', 'date and duration helpers with wrong arguments, or passed as values', '''dsl: 1
steps:
  - activity: SayHello
    input: ${ ⟨DF216⟩durationMs() }
  - activity: SayHello
    input: ${ durationMs(⟨DF216⟩'5 minutes') }
  - activity: SayHello
    input: ${ addDuration(now, ⟨DF216⟩'1 hour') }
  - activity: SayHello
    input: ${ toEpochMs(⟨DF216⟩'March 1, 2026') }
  - activity: SayHello
    input: ${ fromEpochMs(⟨DF216⟩'2026-03-01') }
  - activity: SayHello
    input: ${ [1].map(⟨DF304⟩durationMs) }
''')
case('duration-expressions', 'durations from data are checked as expressions, in the scope of their step; now compared as text', '''dsl: 1
input:
  type: object
  properties:
    remindIn: { type: string }
steps:
  - delay: ${ ⟨DF302⟩inptu.remindIn }
  - waitForEvent: Answer
    timeout: ${ ⟨DF302⟩loop.index }
  - activity: SayHello
    retry:
      maxAttempts: 3
      interval: ${ ⟨DF303⟩Date.now() % 1000 }
  - repeat:
      maxIterations: 3
      interval: ${ loop.index * 1000 }
      while: ${ ⟨DF508⟩now < input.deadline }
      steps:
        - activity: SayHello
''')

# --- racing and deadlines: the first of several events, timeout on try and repeat ---------------
case('race-event-twice', 'an event listed twice in a waitForEvent list', '''dsl: 1
steps:
  - waitForEvent: [Approve, Reject, ⟨DF209⟩Approve]
    timeout: 1h
''')
case('race-bad-values', 'an empty event list, a name that is not text, a try timeout that is not a duration', '''dsl: 1
steps:
  - waitForEvent: ⟨DF105⟩[]
  - waitForEvent: [Approve, ⟨DF103⟩3]
  - try:
      - activity: SayHello
    timeout: ⟨DF105⟩soon
    catch:
      steps:
        - activity: SayHello
''')
case('race-timeout-misplaced', 'a timeout written inside the repeat or catch mapping instead of on the step', '''dsl: 1
steps:
  - repeat:
      steps:
        - activity: SayHello
      maxIterations: 3
      ⟨DF101⟩timeout: 1m
  - try:
      - activity: SayHello
    catch:
      ⟨DF101⟩timeout: 1m
      steps:
        - activity: SayHello
''')
case('race-timeout-never-applies', 'a try timeout with nothing inside that waits (and a break outside a loop)', '''dsl: 1
steps:
  - try:
      - set: { a: 1 }
    timeout: ⟨DF506⟩5m
    catch:
      steps:
        - activity: SayHello
  - ⟨DF208⟩break: true
''')

def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith('.yaml'):
            os.remove(os.path.join(OUT, f))
    for name, (title, body) in sorted(CASES.items()):
        markers = [m.group(1) for m in M.finditer(body)]
        header = [f'# {title}'] + ['# expect: ' + c + ' {}' for c in markers]
        offset = len(header)
        lines = body.split('\n')
        found = []
        clean = []
        for i, line in enumerate(lines):
            while True:
                m = M.search(line)
                if not m:
                    break
                found.append((m.group(1), i + 1 + offset, m.start() + 1))
                line = line[:m.start()] + line[m.end():]
            clean.append(line)
        header = [f'# {title}'] + [f'# expect: {c} {l}:{col}' for c, l, col in found]
        with open(os.path.join(OUT, name + '.yaml'), 'w') as fh:
            fh.write('\n'.join(header + clean))
    print(f'{len(CASES)} cases written to {OUT}')

main()
