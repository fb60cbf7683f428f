/**
 * lifeboat/dictionaries: a dictionary keyed by strings never inherits from Object.prototype.
 *
 * Names that come from outside (namespaces, resources, storage classes, label keys, config keys,
 * JSON keys of a backup, a request or a file) may be `__proto__`, `constructor` or `toString`. On a
 * plain object those read as Object.prototype's members (`counts['constructor']` is a function,
 * `'toString' in labels` is true) and `out['__proto__'] = v` replaces the prototype instead of
 * storing a key. So a value typed as a pure string dictionary (`Record<string, V>`, `{ [k: string]:
 * V }`, no declared members) is a `Map`, or a null-prototype object from model/dictionary.ts. The
 * rule reports:
 *   - an object literal that spreads such a dictionary (`{ ...labels }`: the copy is one too), or
 *     whose type is such a dictionary and that is built from data (`{ ...x }`,
 *     computed keys), filled later (`{}`), or a named constant table (read with outside keys), unless
 *     it is the argument of `nullObject(...)`, which copies it onto a null prototype;
 *   - `Object.fromEntries(...)` (a plain object built from data): use `nullObject(entries)` or a Map;
 *   - `key in dict` on such a dictionary (true for inherited names): use `Object.hasOwn` or a Map;
 *   - `z.record(...)`, which parses into a plain object and drops `__proto__` keys: use
 *     `dictionarySchema(...)` from model/dictionary.ts.
 * Types with declared members beside an index signature (a Kubernetes object with `[key: string]:
 * unknown`) are objects, not dictionaries, and are left alone. Opt out with an eslint-disable comment
 * that says why the keys can never be outside names.
 */
import ts from 'typescript';

const NULL_OBJECT_HELPERS = new Set(['nullObject']);
const STORED = new Set(['Property', 'ReturnStatement', 'AssignmentExpression', 'ArrowFunctionExpression']);

/** Whether the type is a string-keyed dictionary with no declared members (or a union of such). */
function isDictionary(checker, type) {
  if (type.isUnion()) {
    const parts = type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
    return parts.length > 0 && parts.every((t) => isDictionary(checker, t));
  }
  if (!(type.flags & ts.TypeFlags.Object)) return false;
  const index = checker.getIndexInfoOfType(type, ts.IndexKind.String);
  return index !== undefined && type.getProperties().length === 0;
}

function isNullObjectArgument(node) {
  const parent = node.parent;
  return (
    parent?.type === 'CallExpression' &&
    parent.arguments[0] === node &&
    parent.callee.type === 'Identifier' &&
    NULL_OBJECT_HELPERS.has(parent.callee.name)
  );
}

/**
 * Whether the literal becomes a dictionary that keys are written to or looked up in: one copied from
 * data (a spread or a computed key), an empty one that is filled or handed on (`{}`, `{ mapping:
 * body.mapping ?? {} }`), or a named constant table (`const UNITS: Record<string, number> = { … }`,
 * looked up with outside keys). Left alone: an empty `{}` that stands in for a missing one where it
 * is read (`Object.entries(labels ?? {})`, `const a = x.annotations ?? {}`, a parameter's default),
 * and fixed keys passed along in place (`details: { key }`, `query: { limit }`).
 */
function builtFromData(node) {
  if (node.properties.some((p) => p.type === 'SpreadElement' || p.computed)) return true;
  const parent = node.parent;
  if (node.properties.length === 0) {
    if (parent.type === 'AssignmentPattern' && parent.right === node) return false;
    if (parent.type !== 'LogicalExpression' || parent.right !== node || parent.operator === '&&') return true;
    // `x ?? {}` read on the spot is a stand-in; stored (a member, returned, assigned) it is a dictionary.
    return STORED.has(parent.parent.type);
  }
  return (
    (parent.type === 'VariableDeclarator' && parent.init === node) ||
    (parent.type === 'PropertyDefinition' && parent.value === node)
  );
}

function isMemberCall(node, object, property) {
  const callee = node.callee;
  return (
    callee.type === 'MemberExpression' &&
    !callee.computed &&
    callee.object.type === 'Identifier' &&
    callee.object.name === object &&
    callee.property.type === 'Identifier' &&
    callee.property.name === property
  );
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'string-keyed dictionaries are Maps or null-prototype objects' },
    schema: [],
    messages: {
      literal:
        'a dictionary keyed by strings must not inherit Object.prototype (`constructor`, `__proto__`): use a Map or nullObject(...)',
      fromEntries: 'Object.fromEntries builds a plain object: use nullObject(entries) or a Map',
      in: '`in` is true for inherited names (`constructor`, `toString`): use Object.hasOwn or a Map',
      zodRecord: 'z.record parses into a plain object and drops `__proto__` keys: use dictionarySchema(...)',
    },
  },
  create(context) {
    const services = context.sourceCode.parserServices;
    if (!services?.program) return {};
    const checker = services.program.getTypeChecker();
    const tsNode = (node) => services.esTreeNodeToTSNodeMap.get(node);
    return {
      ObjectExpression(node) {
        if (isNullObjectArgument(node) || !builtFromData(node)) return;
        const type = checker.getContextualType(tsNode(node));
        const copiesDictionary = node.properties.some(
          (p) =>
            p.type === 'SpreadElement' &&
            isDictionary(checker, checker.getTypeAtLocation(tsNode(p.argument))),
        );
        if (copiesDictionary || (type !== undefined && isDictionary(checker, type)))
          context.report({ node, messageId: 'literal' });
      },
      CallExpression(node) {
        if (isMemberCall(node, 'Object', 'fromEntries')) context.report({ node, messageId: 'fromEntries' });
        if (isMemberCall(node, 'z', 'record')) context.report({ node, messageId: 'zodRecord' });
      },
      BinaryExpression(node) {
        if (node.operator !== 'in' || node.left.type === 'PrivateIdentifier') return;
        const type = checker.getTypeAtLocation(tsNode(node.right));
        if (isDictionary(checker, type)) context.report({ node, messageId: 'in' });
      },
    };
  },
};

export default { meta: { name: 'lifeboat' }, rules: { dictionaries: rule } };
