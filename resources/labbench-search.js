/* global $, RED, window */
/*
 * The search panels of the config dialogs, as `LabbenchSearch`: the bus "Scan" of the serial-port
 * and Watlow dialogs and the VISA "Discover" button. Only those three dialogs load it, at
 * resources/node-red-contrib-labbench/labbench-search.js. Node-RED loads a node's scripts in no
 * set order (each is added to the page and runs when it arrives), so this one needs no other.
 */
(function (root) {
  'use strict';
  if (root.LabbenchSearch) {
    return;
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

  root.LabbenchSearch = { busScan: busScan, visaDiscover: visaDiscover };
})(typeof window !== 'undefined' ? window : globalThis);
