/**
 * The few protobuf wire-format pieces the OpenAPI v2 document needs: varints, length-delimited
 * strings and embedded messages, and bools. A message is the concatenation of its encoded fields.
 */
function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

const tag = (field: number, wireType: number) => varint(field * 8 + wireType);

export function bytesField(field: number, value: Buffer): Buffer {
  return Buffer.concat([tag(field, 2), varint(value.length), value]);
}

export function stringField(field: number, value: string): Buffer {
  return bytesField(field, Buffer.from(value, 'utf8'));
}

export function messageField(field: number, ...parts: Buffer[]): Buffer {
  return bytesField(field, Buffer.concat(parts));
}

export function boolField(field: number, value: boolean): Buffer {
  return Buffer.concat([tag(field, 0), varint(value ? 1 : 0)]);
}
