/* global uPlot */
// The dashboard chart: revenue (bars) and orders (line) per day, from the JSON block the page
// carries; without JavaScript the same figures are in the table under the chart.
(function () {
  'use strict';
  var box = document.getElementById('sales-chart');
  var data = document.getElementById('sales-data');
  if (!box || !data || typeof uPlot === 'undefined') return;
  var d = JSON.parse(data.textContent || '{}');
  var xs = d.days.map(function (day) { return Date.parse(day + 'T00:00:00Z') / 1000; });
  function size() { return { width: Math.max(280, box.clientWidth), height: 240 }; }
  var opts = {
    width: size().width,
    height: size().height,
    tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
    scales: { x: { time: true }, revenue: { auto: true }, orders: { auto: true } },
    axes: [
      { stroke: '#1b1f24' },
      { scale: 'revenue', stroke: '#0b57b0', label: 'Revenue' },
      { scale: 'orders', side: 1, stroke: '#a4161a', label: 'Orders', grid: { show: false } },
    ],
    series: [
      {},
      { label: 'Revenue', scale: 'revenue', stroke: '#0b57b0', fill: 'rgba(11,87,176,0.15)', width: 2 },
      { label: 'Orders', scale: 'orders', stroke: '#a4161a', width: 2 },
    ],
  };
  var chart = new uPlot(opts, [xs, d.revenue, d.orders], box);
  window.addEventListener('resize', function () { chart.setSize(size()); });
})();
