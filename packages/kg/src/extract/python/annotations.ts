/**
 * Named types referenced by an annotation, read from its text.
 *
 * Annotations are short, so a small tokenizer over the text is both cheaper
 * and simpler than walking their syntax nodes, and it handles string
 * annotations (`"Foo"`, `'mod.Bar | None'`) with the same code: a string's
 * contents are tokenized in turn.
 */

/** Python 3.11 `dir(builtins)` without private names: never worth a type edge. */
const BUILTINS: ReadonlySet<string> = new Set(
  (
    'ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError ' +
    'BrokenPipeError BufferError BytesWarning ChildProcessError ConnectionAbortedError ConnectionError ' +
    'ConnectionRefusedError ConnectionResetError DeprecationWarning EOFError Ellipsis EncodingWarning ' +
    'EnvironmentError Exception ExceptionGroup False FileExistsError FileNotFoundError FloatingPointError ' +
    'FutureWarning GeneratorExit IOError ImportError ImportWarning IndentationError IndexError ' +
    'InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ' +
    'ModuleNotFoundError NameError None NotADirectoryError NotImplemented NotImplementedError OSError ' +
    'OverflowError PendingDeprecationWarning PermissionError ProcessLookupError RecursionError ' +
    'ReferenceError ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration ' +
    'SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError True TypeError ' +
    'UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError ' +
    'UnicodeWarning UserWarning ValueError Warning ZeroDivisionError abs aiter all anext any ascii bin ' +
    'bool breakpoint bytearray bytes callable chr classmethod compile complex copyright credits delattr ' +
    'dict dir divmod enumerate eval exec exit filter float format frozenset getattr globals hasattr hash ' +
    'help hex id input int isinstance issubclass iter len license list locals map max memoryview min next ' +
    'object oct open ord pow print property quit range repr reversed round set setattr slice sorted ' +
    'staticmethod str sum super tuple type vars zip'
  ).split(' '),
);

/** Subscripted forms whose arguments are values, not types. */
const VALUE_ARGUMENTS: ReadonlySet<string> = new Set(['Literal', 'typing.Literal', 'typing_extensions.Literal']);
/** `Annotated[T, metadata...]`: only the first argument is a type. */
const ANNOTATED: ReadonlySet<string> = new Set(['Annotated', 'typing.Annotated', 'typing_extensions.Annotated']);

const TOKEN =
  /\s+|(?<name>[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*(?:\s*\.\s*[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*)*)|(?<str>[rRuUbB]{0,2}(?:'''[\s\S]*?'''|"""[\s\S]*?"""|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"))|(?<num>\d[\w.]*)|(?<punct>.)/uy;

/** Bracket frames: what to do with names until the matching close. */
interface Frame {
  close: string;
  skipAll: boolean;
  /** Annotated: names after the first top-level comma are metadata. */
  annotated: boolean;
  commas: number;
}

/**
 * Dotted type names in an annotation, without builtins, in order of first
 * appearance: `Optional[List[mod.Foo]]` → Optional, List, mod.Foo.
 */
export function typeNamesIn(annotation: string, out: string[] = [], depth = 0): string[] {
  const frames: Frame[] = [];
  let pendingName: string | null = null;
  TOKEN.lastIndex = 0;
  let i = 0;
  const tokens: { name?: string; str?: string; punct?: string }[] = [];
  while (i < annotation.length) {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(annotation);
    if (m === null) break;
    i = TOKEN.lastIndex;
    const g = m.groups ?? {};
    if (g.name !== undefined) tokens.push({ name: g.name.replace(/\s+/g, '') });
    else if (g.str !== undefined) tokens.push({ str: g.str });
    else if (g.punct !== undefined) tokens.push({ punct: g.punct });
    else if (g.num !== undefined) tokens.push({ punct: '0' });
  }
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t] as { name?: string; str?: string; punct?: string };
    const frame = frames[frames.length - 1];
    const skipping = frame !== undefined && (frame.skipAll || (frame.annotated && frame.commas > 0));
    if (token.name !== undefined) {
      pendingName = token.name;
      const next = tokens[t + 1];
      // `f(key=value)` inside Annotated metadata or a default: a keyword is not a type.
      const isKeyword = next?.punct === '=';
      if (!skipping && !isKeyword && !BUILTINS.has(token.name) && !out.includes(token.name)) out.push(token.name);
      continue;
    }
    if (token.str !== undefined) {
      // A forward reference: its contents are an annotation in turn (bounded, strings can nest only so far).
      if (!skipping && depth < 2) typeNamesIn(stringBody(token.str), out, depth + 1);
      pendingName = null;
      continue;
    }
    const p = token.punct;
    if (p === '[' || p === '(' || p === '{') {
      const opener = p === '[' ? pendingName : null;
      frames.push({
        close: p === '[' ? ']' : p === '(' ? ')' : '}',
        skipAll: skipping || (opener !== null && VALUE_ARGUMENTS.has(opener)),
        annotated: opener !== null && ANNOTATED.has(opener),
        commas: 0,
      });
    } else if (frame !== undefined && p === frame.close) {
      frames.pop();
    } else if (frame !== undefined && p === ',') {
      frame.commas += 1;
    }
    pendingName = null;
  }
  return out;
}

function stringBody(literal: string): string {
  const m = /^[rRuUbB]{0,2}('''|"""|'|")/.exec(literal);
  const quote = m?.[1] ?? '"';
  const start = (m?.[0].length ?? 1);
  return literal.slice(start, literal.length - quote.length);
}
