/* global $, RED, window, document */
/*
 * Editor code shared by the labbench nodes' dialogs, written once: the typeahead pickers fed by
 * the package's editor endpoints, the Watlow parameter catalogue lookup, the edit forms built from
 * rows, the validators on the bundled rules, and the one editor definition of keithley-supply and
 * keithley-battery. The search panels (bus scan, VISA discovery) are in labbench-search.js. Node-RED serves this file (the package's
 * resources/ folder) at resources/node-red-contrib-labbench/labbench-editor.js; each node's .html
 * loads it with a <script src> before its own definition.
 */
(function (root) {
  'use strict';
  if (root.LabbenchEditor) {
    return;
  }

  function matches(term) {
    term = String(term || '').toLowerCase();
    return function (p) {
      return (
        !term ||
        String(p.value).toLowerCase().indexOf(term) >= 0 ||
        String(p.label || '')
          .toLowerCase()
          .indexOf(term) >= 0
      );
    };
  }

  /** GETs each endpoint in `urls` and hands the concatenated lists to `done` (failures = empty). */
  function fetchAll(urls, done) {
    var all = [];
    var pending = urls.length;
    urls.forEach(function (url) {
      $.getJSON(url)
        .done(function (list) {
          if (Array.isArray(list)) {
            all = all.concat(list);
          }
        })
        .always(function () {
          if (--pending === 0) {
            done(all);
          }
        });
    });
  }

  /**
   * A typeahead on `input`: suggestions from `source(done)` (a list of {value, label}), filtered
   * by what is typed. `button` (optional) opens the full list; `openOnFocus` opens it on focus.
   */
  function picker(input, source, options) {
    options = options || {};
    if (!$.fn.autocomplete) {
      return;
    }
    input.autocomplete({
      minLength: 0,
      source: function (req, res) {
        source(function (list) {
          res(list.filter(matches(req.term)));
        });
      },
      select: function (e, ui) {
        input.val(ui.item.value);
        input.trigger('change');
        return false;
      },
    });
    if (options.openOnFocus) {
      input.on('focus', function () {
        input.autocomplete('search', input.val());
      });
    }
    if (options.button) {
      $(options.button).on('click', function () {
        input.autocomplete('search', '');
        input.trigger('focus');
      });
    }
  }

  /** A picker fed by editor endpoints, asked again each time (ports come and go). */
  function endpointPicker(input, urls, options) {
    picker(
      input,
      function (done) {
        fetchAll(urls, done);
      },
      options,
    );
  }

  var catalogue = null;

  /**
   * The Watlow parameter catalogue with the endpoint's labels, fetched once per editor session;
   * offline, the names from the bundled catalogue (resources/labbench-rules.js).
   */
  function parameters(done) {
    if (catalogue) {
      done(catalogue);
      return;
    }
    $.getJSON('labbench/watlow-parameters')
      .done(function (list) {
        if (Array.isArray(list) && list.length) {
          catalogue = list;
        }
      })
      .always(function () {
        done(catalogue || root.LabbenchRules.watlowParameters());
      });
  }

  /** A picker of Watlow parameters (only the writable ones with `writableOnly`). */
  function parameterPicker(input, writableOnly) {
    picker(
      input,
      function (done) {
        parameters(function (list) {
          done(
            writableOnly
              ? list.filter(function (p) {
                  return p.writable !== false;
                })
              : list,
          );
        });
      },
      { openOnFocus: true },
    );
  }

  /**
   * A property validator from a check of the configuration rules (resources/labbench-rules.js):
   * `check(value, node)` answers true or the runtime's message, which Node-RED shows on the field.
   * `nodeOf(node)` (optional) gives the other properties the check needs, e.g. from the open form.
   */
  function rule(check, nodeOf) {
    return function (v, opt) {
      var verdict = check(v, nodeOf ? nodeOf(this) : this);
      return verdict === true || (opt ? verdict : false);
    };
  }

  var CHECKBOX_STYLE = 'display: inline-block; width: auto; vertical-align: top;';

  function attr(name, value) {
    return value === undefined || value === null || value === false
      ? ''
      : ' ' + name + '="' + String(value).replace(/&/g, '&amp;').replace(/"/g, '&quot;') + '"';
  }

  function i18n(key, attribute) {
    return key ? attr('data-i18n', (attribute ? '[' + attribute + ']' : '') + key) : '';
  }

  /**
   * One form row of a dialog, from its description:
   *   id      the property (input id node-input-<id>, or node-config-input-<id> in a config dialog)
   *   icon    Font Awesome name of the label's icon; label: catalogue key (default label.<id>)
   *   input   'text' (default), 'number', 'checkbox', 'select' or 'textarea'
   *   options select values, their texts from <optionsKey or id>.<value> (literal: the value)
   *   width, attrs (min, max, list, rows…), placeholder (a catalogue key), lookup: a search
   *           button beside the input, id <input id>-lookup
   *   text    catalogue key of a text after the input; suffix: plain text after it (a unit)
   *   typed   the hidden input holding a typed input's type; rowClass; after: markup at the end
   *   html    instead of all of the above: the row's markup as is
   * Keys without a ':' are the type's own (`<type>.<key>`).
   */
  function formRow(type, prefix, row) {
    if (row.html) {
      return row.html;
    }
    var id = prefix + row.id;
    return [
      '<div class="form-row' + (row.rowClass ? ' ' + row.rowClass : '') + '">',
      '<label' +
        attr('for', id) +
        attr('style', row.input === 'textarea' ? 'width:100%' : undefined) +
        '><i class="fa fa-' +
        row.icon +
        '"></i> <span' +
        i18n(catalogueKey(type, row.label || 'label.' + row.id)) +
        '></span></label>',
      fieldHtml(type, prefix, row),
      row.typed ? '<input type="hidden"' + attr('id', prefix + row.typed) + '>' : '',
      row.lookup
        ? '<a' + attr('id', id + '-lookup') + ' class="red-ui-button"><i class="fa fa-search"></i></a>'
        : '',
      row.suffix ? ' ' + row.suffix : '',
      row.text ? ' <span' + i18n(catalogueKey(type, row.text)) + '></span>' : '',
      row.after || '',
      '</div>',
    ].join('');
  }

  function catalogueKey(type, key) {
    return key && key.indexOf(':') < 0 ? type + '.' + key : key;
  }

  /** The input, select or textarea of a row (see formRow). */
  function fieldHtml(type, prefix, row) {
    var input = row.input || 'text';
    var style = row.width
      ? 'width: ' + (row.lookup ? 'calc(' + row.width + ' - 40px)' : row.width)
      : undefined;
    if (input === 'checkbox') {
      style = CHECKBOX_STYLE;
    }
    var attrs =
      attr('id', prefix + row.id) +
      attr('style', style) +
      i18n(catalogueKey(type, row.placeholder), 'placeholder');
    Object.keys(row.attrs || {}).forEach(function (name) {
      attrs += attr(name, row.attrs[name]);
    });
    if (input === 'select') {
      var options = row.options.map(function (v) {
        var text = row.literal
          ? '>' + v
          : i18n(catalogueKey(type, (row.optionsKey || row.id) + '.' + v)) + '>';
        return '<option' + attr('value', v) + text + '</option>';
      });
      return '<select' + attrs + '>' + options.join('') + '</select>';
    }
    if (input === 'textarea') {
      return '<textarea' + attrs + '></textarea>';
    }
    return '<input' + attr('type', input) + attrs + '>';
  }

  /** A select of a form row's description, for a second control in one row. */
  function select(type, row, options) {
    return fieldHtml(type, options && options.config ? 'node-config-input-' : 'node-input-', {
      input: 'select',
      id: row.id,
      options: row.options,
      literal: row.literal,
      width: row.width,
    });
  }

  /**
   * The row of an editableList property: its label across the dialog (label.<id>, then
   * `labelAfter`), the list (#node-input-<id>-container), then `after`.
   */
  function listRow(type, id, after, labelAfter) {
    return {
      html:
        '<div class="form-row node-input-' +
        id +
        '-row"><label style="width:100%"><i class="fa fa-list"></i> <span' +
        i18n(type + '.label.' + id) +
        '></span>' +
        (labelAfter || '') +
        '</label><ol id="node-input-' +
        id +
        '-container"></ol>' +
        (after || '') +
        '</div>',
    };
  }

  /** oneditresize of a dialog with a listRow: the list takes the height the other rows leave. */
  function resizeList(id, size, min) {
    var rows = $('#dialog-form>div:not(.node-input-' + id + '-row)');
    var height = size.height;
    for (var i = 0; i < rows.length; i++) {
      height -= $(rows[i]).outerHeight(true);
    }
    $('#node-input-' + id + '-container').editableList('height', Math.max(min, height - 40));
  }

  /** The name row every dialog ends with; `placeholder` defaults to Node-RED's "Name". */
  function nameRow(placeholder) {
    return {
      id: 'name',
      icon: 'tag',
      label: 'node-red:common.label.name',
      placeholder: placeholder || 'node-red:common.label.name',
    };
  }

  /** The tip under a config dialog's fields: the HTML of the catalogue key `<type>.tip`. */
  function tipRow(type) {
    return { html: '<div class="form-tips"' + i18n(type + '.tip', 'html') + '></div>' };
  }

  /**
   * The edit form of `type` from its rows (see formRow); config dialogs use node-config-input-.
   * Every dialog has the name row: at the end (Node-RED's "Name" placeholder) unless `rows` place
   * it themselves (nameRow, e.g. with another placeholder or before a tip).
   */
  function formHtml(type, rows, options) {
    var prefix = options && options.config ? 'node-config-input-' : 'node-input-';
    var named = rows.some(function (row) {
      return row.id === 'name';
    });
    return (named ? rows : rows.concat([nameRow()]))
      .map(function (row) {
        return formRow(type, prefix, row);
      })
      .join('\n');
  }

  /** Adds the edit form of `type` to the page (once), where Node-RED looks for it. */
  function form(type, rows, options) {
    if (
      typeof document === 'undefined' ||
      document.querySelector('script[data-template-name="' + type + '"]')
    ) {
      return;
    }
    var tpl = document.createElement('script');
    tpl.type = 'text/html';
    tpl.setAttribute('data-template-name', type);
    tpl.textContent = formHtml(type, rows, options);
    document.body.appendChild(tpl);
  }

  var KEITHLEY = {
    supply: { perValue: 'voltage, current, power' },
    battery: { perValue: 'voltage, current, soc' },
  };

  /** The edit form of keithley-supply and keithley-battery; texts from each type's catalogue. */
  var KEITHLEY_FORM = [
    { id: 'instrument', icon: 'plug' },
    {
      id: 'monitor',
      icon: 'heartbeat',
      input: 'number',
      attrs: { min: 0 },
      width: '120px',
      suffix: 'ms',
      text: 'label.monitorHint',
    },
    { id: 'recovery', icon: 'medkit', input: 'checkbox', text: 'recovery.text' },
    { id: 'output', icon: 'sign-out', input: 'select', options: ['state', 'perValue'], width: '70%' },
    nameRow('placeholder.name'),
  ];

  /**
   * The one editor definition of keithley-supply and keithley-battery (`role` supply or battery):
   * category, ports, icon, defaults (with the monitor-period rule), labels. Adds the edit form to
   * the page (once).
   */
  function keithley(role) {
    var type = 'keithley-' + role;
    form(type, KEITHLEY_FORM);
    return {
      category: 'lab bench',
      color: '#C0DEED',
      inputs: 1,
      outputs: 1,
      icon: 'labbench-' + role + '.svg',
      paletteLabel: 'keithley ' + role,
      inputLabels: 'settings',
      defaults: {
        name: { value: '' },
        instrument: { value: '', type: 'labbench-visa', required: true },
        // The runtime's rule and message (resources/labbench-rules.js, built from src/config).
        monitor: { value: 0, validate: rule(root.LabbenchRules.monitorPeriod) },
        recovery: { value: false },
        output: {
          value: 'state',
          validate: function (v) {
            return v === 'state' || v === 'perValue';
          },
        },
      },
      outputLabels: function () {
        return this.output === 'perValue' ? KEITHLEY[role].perValue : 'state';
      },
      label: function () {
        if (this.name) {
          return this.name;
        }
        var cfg = this.instrument ? RED.nodes.node(this.instrument) : null;
        return role + ' ' + (cfg ? cfg.name || cfg.resource : '2281S');
      },
      labelStyle: function () {
        return this.name ? 'node_label_italic' : '';
      },
    };
  }

  root.LabbenchEditor = {
    picker: picker,
    endpointPicker: endpointPicker,
    parameterPicker: parameterPicker,
    keithley: keithley,
    rule: rule,
    form: form,
    formHtml: formHtml,
    nameRow: nameRow,
    tipRow: tipRow,
    select: select,
    listRow: listRow,
    resizeList: resizeList,
  };
})(typeof window !== 'undefined' ? window : globalThis);
