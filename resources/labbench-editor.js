/* global $, RED, window, document */
/*
 * Editor code shared by the labbench nodes' dialogs, written once: the typeahead pickers fed by
 * the package's editor endpoints, the Watlow parameter catalogue lookup, and the one editor
 * definition of keithley-supply and keithley-battery. Node-RED serves this file (the package's
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

  /**
   * The labbench-visa "Discover" button: asks the runtime to search (POST, only on click), shows
   * the outcome and each method that could not search, and lists what was found; clicking an
   * entry puts its resource string into `input`. Texts from the labbench-visa catalogue; every
   * text from the runtime (labels, reasons) is inserted as text, never as HTML.
   */
  function visaDiscover(input, ids) {
    var button = $(ids.button);
    var status = $(ids.status);
    var list = $(ids.list);
    var text = function (key, vars) {
      return RED._('node-red-contrib-labbench/labbench-visa:labbench-visa.discover.' + key, vars);
    };
    var OUTCOME = { found: 'found', 'nothing-found': 'nothingFound', 'not-allowed': 'notAllowed' };
    function render(answer) {
      var real = (answer.resources || []).filter(function (r) {
        return r.kind !== 'sim';
      });
      status.text(text(OUTCOME[answer.outcome] || 'failed', { count: real.length }));
      status.attr('data-outcome', answer.outcome);
      (answer.resources || []).forEach(function (r) {
        var link = $('<a href="#" class="labbench-discovered"></a>')
          .text(r.label)
          .attr('data-value', r.value)
          .on('click', function (e) {
            e.preventDefault();
            input.val(r.value);
            input.trigger('change');
            list.find('.labbench-discovered').css('font-weight', '');
            link.css('font-weight', 'bold');
          });
        $('<li></li>').append(link).appendTo(list);
      });
      (answer.methods || []).forEach(function (m) {
        if (m.searched || !m.reason) {
          return;
        }
        $('<li class="labbench-discover-reason form-tips"></li>')
          .text(text('notSearched', { method: text('methods.' + m.method), reason: m.reason }))
          .appendTo(list);
      });
    }
    button.on('click', function () {
      button.prop('disabled', true);
      list.empty();
      status.removeAttr('data-outcome');
      status.text(text('searching'));
      $.ajax({ url: 'labbench/visa-discover', method: 'POST', dataType: 'json' })
        .done(render)
        .fail(function (xhr) {
          status.attr('data-outcome', 'failed');
          status.text(text(xhr && (xhr.status === 401 || xhr.status === 403) ? 'forbidden' : 'failed'));
        })
        .always(function () {
          button.prop('disabled', false);
        });
    });
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

  /** The edit form of `type` from its rows (see formRow); config dialogs use node-config-input-. */
  function formHtml(type, rows, options) {
    var prefix = options && options.config ? 'node-config-input-' : 'node-input-';
    return rows
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
   * What keithley-supply and keithley-battery share in their definitions: defaults (with the
   * monitor-period rule), labels. Adds the edit form to the page (once).
   */
  function keithley(role) {
    var type = 'keithley-' + role;
    form(type, KEITHLEY_FORM);
    return {
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

  /** Text of the serial-port catalogue's `scan` section. */
  function scanText(key, vars) {
    return RED._('node-red-contrib-labbench/labbench-serial-port:labbench-serial-port.scan.' + key, vars);
  }

  /**
   * The "Scan" panel of the serial-port and Watlow dialogs: asks the runtime's scan endpoint
   * (POST labbench/scan, then GET its progress, DELETE to cancel) which controllers answer on the
   * port, and offers to create a labbench-watlow config node for each one found.
   * `port()` returns {id, path, baudRate, dataBits, parity, stopBits, timeout} of the port to scan.
   */
  function busScan(container, port) {
    var box = $('<div class="form-row labbench-scan"></div>').appendTo(container);
    $('<label><i class="fa fa-search-plus"></i> ' + scanText('title') + '</label>').appendTo(box);
    $(
      '<label style="width:auto"><input type="checkbox" class="labbench-scan-stdbus" checked style="width:auto"> Std Bus 1…16</label>',
    ).appendTo(box);
    $(
      '<span> Modbus <input type="text" class="labbench-scan-from" value="1" style="width:50px">…<input type="text" class="labbench-scan-to" value="16" style="width:50px"></span>',
    ).appendTo(box);
    $(
      '<label style="width:auto"><input type="checkbox" class="labbench-scan-bauds" style="width:auto"> 9600 / 19200 / 38400</label>',
    ).appendTo(box);
    var start = $('<a class="red-ui-button labbench-scan-start">' + scanText('start') + '</a>').appendTo(box);
    var cancel = $(
      '<a class="red-ui-button labbench-scan-cancel" style="display:none">' + scanText('cancel') + '</a>',
    ).appendTo(box);
    var status = $('<div class="labbench-scan-status" style="margin-top:6px"></div>').appendTo(box);
    var list = $('<ul class="labbench-scan-found" style="margin-top:6px"></ul>').appendTo(box);
    var scanId = null;

    function show(found) {
      list.empty();
      (found || []).forEach(function (f) {
        var what =
          (f.protocol === 'stdbus' ? 'Std Bus' : 'Modbus') +
          ' ' +
          f.address +
          (f.partNumber ? ' · ' + f.partNumber : '') +
          (f.serialNumber ? ' · S/N ' + f.serialNumber : '') +
          (f.firmwareId !== undefined ? ' · FW ' + f.firmwareId : '') +
          (f.baudRate ? ' · ' + f.baudRate + ' baud' : '');
        var item = $('<li></li>')
          .text(what + ' ')
          .appendTo(list);
        $('<a class="red-ui-button red-ui-button-small labbench-scan-create"></a>')
          .text(scanText('create'))
          .on('click', function () {
            var p = port();
            var node = {
              id: RED.nodes.id(),
              type: 'labbench-watlow',
              name: 'Watlow ' + f.address,
              port: p.id,
              address: f.address,
              protocol: f.protocol,
              wordOrder: 'lowHigh',
              map: f.map || 1,
            };
            RED.nodes.import([node]);
            RED.nodes.dirty(true);
            $(this).replaceWith($('<span></span>').text(scanText('created', { name: node.name })));
          })
          .appendTo(item);
      });
    }

    function poll() {
      if (scanId === null) {
        return;
      }
      $.getJSON('labbench/scan/' + scanId).done(function (job) {
        var p = job.progress || { probed: 0, total: 0, found: [] };
        if (job.state === 'running') {
          status.text(
            scanText('progress', { probed: p.probed, total: p.total, found: (p.found || []).length }),
          );
          show(p.found);
          setTimeout(poll, 300);
          return;
        }
        scanId = null;
        start.show();
        cancel.hide();
        if (job.state === 'done') {
          status.text(scanText('done', { found: job.result.found.length, others: job.result.others.length }));
          show(job.result.found);
        } else if (job.state === 'cancelled') {
          status.text(scanText('cancelled'));
        } else {
          status.text(job.error ? job.error.code + ': ' + job.error.message : scanText('failed'));
        }
      });
    }

    start.on('click', function () {
      var p = port();
      var body = {
        path: p.path,
        baudRate: p.baudRate,
        dataBits: p.dataBits,
        parity: p.parity,
        stopBits: p.stopBits,
        timeout: p.timeout,
        stdbus: box.find('.labbench-scan-stdbus').prop('checked'),
        modbusFrom: box.find('.labbench-scan-from').val(),
        modbusTo: box.find('.labbench-scan-to').val(),
        tryBaudRates: box.find('.labbench-scan-bauds').prop('checked'),
      };
      list.empty();
      status.text(scanText('starting'));
      $.ajax({
        url: 'labbench/scan',
        type: 'POST',
        contentType: 'application/json',
        data: JSON.stringify(body),
      })
        .done(function (r) {
          scanId = r.id;
          start.hide();
          cancel.show();
          poll();
        })
        .fail(function (xhr) {
          var e = xhr.responseJSON || {};
          status.text((e.code ? e.code + ': ' : '') + (e.message || scanText('failed')));
        });
    });
    cancel.on('click', function () {
      if (scanId !== null) {
        $.ajax({ url: 'labbench/scan/' + scanId, type: 'DELETE' });
      }
    });
  }

  root.LabbenchEditor = {
    busScan: busScan,
    picker: picker,
    endpointPicker: endpointPicker,
    visaDiscover: visaDiscover,
    parameterPicker: parameterPicker,
    keithley: keithley,
    rule: rule,
    form: form,
    formHtml: formHtml,
    nameRow: nameRow,
    select: select,
    listRow: listRow,
    resizeList: resizeList,
  };
})(typeof window !== 'undefined' ? window : globalThis);
