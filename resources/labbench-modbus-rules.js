/* global window */
/*
 * The modbus node's property rules for the editor dialog: the same checks, in the same order, as
 * the runtime (nodes/shared/modbus-config.ts on src/modbus/values.ts), written in plain ES5 for
 * the browser. test/modbus/editor-rules.test.ts runs both over the same generated properties and
 * requires the same verdict, so the dialog refuses exactly what a deploy would.
 * check(props) → null when valid, else { field, message }.
 */
(function (root) {
  'use strict';
  var TABLES = ['holding', 'input', 'coil', 'discrete'];
  var TYPES = ['uint16', 'int16', 'uint32', 'int32', 'float32', 'float64', 'string', 'bool'];
  var MAX_ADDRESS = 65535;
  var MAX_STRING_CHARS = 250;

  function blank(v) {
    return v === undefined || v === null || v === '';
  }

  /** An editor field as a number: blank → undefined, a number text → the number, else as is. */
  function fieldNumber(v) {
    if (v === undefined || v === null) {
      return undefined;
    }
    if (typeof v === 'string') {
      var text = v.trim();
      if (text === '') {
        return undefined;
      }
      var n = Number(text);
      return isNaN(n) ? v : n;
    }
    return v;
  }

  function fail(field, message) {
    var e = new Error(message);
    e.field = field;
    throw e;
  }

  function oneOf(v, field, what, allowed, fallback) {
    if (blank(v)) {
      return fallback;
    }
    if (typeof v === 'string' && allowed.indexOf(v) >= 0) {
      return v;
    }
    return fail(field, what + ' must be one of ' + allowed.join(', '));
  }

  function integerIn(v, field, what, min, max, fallback) {
    if (blank(v) && fallback !== undefined) {
      return fallback;
    }
    if (typeof v !== 'number' || !isFinite(v)) {
      fail(field, what + ' must be a number');
    }
    if (Math.floor(v) !== v) {
      fail(field, what + ' must be a whole number');
    }
    if (v < min || v > max) {
      fail(field, what + ' must be ' + min + '..' + max);
    }
    return v;
  }

  function registersPerValue(type, count) {
    if (type === 'uint32' || type === 'int32' || type === 'float32') {
      return 2;
    }
    if (type === 'float64') {
      return 4;
    }
    if (type === 'string') {
      return Math.ceil(count / 2);
    }
    return 1;
  }

  function checkSpec(p, register, count) {
    var table = oneOf(p.table, 'table', 'Table', TABLES, 'holding');
    var bits = table === 'coil' || table === 'discrete';
    var type = oneOf(p.dataType, 'dataType', 'Type', TYPES, bits ? 'bool' : 'uint16');
    if (bits && type !== 'bool') {
      fail('dataType', 'The ' + table + ' table holds single bits: its type is bool');
    }
    integerIn(register, 'register', 'Register', 0, MAX_ADDRESS);
    oneOf(p.wordOrder, 'wordOrder', 'Word order', ['highLow', 'lowHigh'], 'highLow');
    var scale = fieldNumber(p.scale);
    if (!blank(scale)) {
      if (typeof scale !== 'number' || !isFinite(scale) || scale === 0) {
        fail('scale', 'Scale must be a finite number other than 0');
      }
    } else {
      scale = 1;
    }
    if (scale !== 1 && (type === 'bool' || type === 'string')) {
      fail('scale', 'Scale applies to numbers only');
    }
    var maxCount = type === 'string' ? MAX_STRING_CHARS : (MAX_ADDRESS + 1) / registersPerValue(type, 1);
    count = integerIn(count, 'count', 'Count', 1, maxCount, 1);
    var span = type === 'string' ? registersPerValue('string', count) : registersPerValue(type, 1) * count;
    if (register + span > MAX_ADDRESS + 1) {
      fail('count', 'Register + count runs past the last address 65535');
    }
    return table;
  }

  /** The verdict on a node's properties (strings as the dialog holds them). */
  function check(props) {
    try {
      var operation = oneOf(props.operation, 'operation', 'Operation', ['read', 'write'], 'read');
      oneOf(props.output, 'output', 'Output', ['value', 'perValue'], 'value');
      var address = fieldNumber(props.address);
      if (address !== undefined) {
        integerIn(address, 'address', 'Modbus address', 0, 247);
        if (address === 0 && operation === 'read') {
          fail('address', 'Address 0 is broadcast: it can only be written');
        }
      }
      var register = fieldNumber(props.register);
      var count = fieldNumber(props.count);
      var table = checkSpec(props, register === undefined ? 0 : register, count === undefined ? 1 : count);
      if (operation === 'write' && (table === 'input' || table === 'discrete')) {
        fail('table', 'The ' + table + ' table is read-only in Modbus');
      }
      var interval = fieldNumber(props.interval);
      if (interval === undefined) {
        interval = 0;
      }
      if (
        typeof interval !== 'number' ||
        !isFinite(interval) ||
        Math.floor(interval) !== interval ||
        (interval !== 0 && interval < 50)
      ) {
        fail('interval', 'Interval must be 0 or at least 50 ms');
      }
      if (operation === 'write' && interval > 0) {
        fail('interval', 'Interval applies to reads only');
      }
      return null;
    } catch (e) {
      return { field: e.field || 'operation', message: e.message };
    }
  }

  var rules = { check: check, TABLES: TABLES, TYPES: TYPES };
  if (typeof module === 'object' && module.exports) {
    module.exports = rules;
  } else {
    root.LabbenchModbusRules = rules;
  }
})(typeof window !== 'undefined' ? window : this);
