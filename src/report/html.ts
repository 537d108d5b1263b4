// The HTML report: one self-contained page (inline style and script, nothing fetched) with the run's
// summary, its steps, a timeline of its operations and its failures, filtered by step and status. The page
// embeds the run aggregated (see html-data.ts), so that a run of 100,000 operations draws a few hundred shapes.

import { createHash } from 'node:crypto';
import { formatDuration } from '../common/durations.js';
import { escapeHtml, jsonForHtmlScript } from '../secrets/untrusted-text.js';
import { htmlData, MAX_FAILURES, STATUSES } from './html-data.js';
import type { Report } from './types.js';

/** Colours of the statuses, shared by the legend and the timeline. */
const COLOURS: Record<string, string> = { changed: '#2da44e', unchanged: '#8c959f', failed: '#cf222e', skipped: '#d4a72c' };

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:24px 0 8px}
.muted{color:#59636e}.run-error{color:#b42318}
.filters{display:flex;gap:16px;align-items:center;flex-wrap:wrap;padding:8px 12px;background:#f6f8fa;border:1px solid #d1d9e0;border-radius:6px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #d1d9e0;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.msg{font-family:ui-monospace,monospace;font-size:12px;word-break:break-word}
.s-succeeded,.s-changed{color:#1a7f37}.s-failed{color:#b42318}.s-skipped,.s-cancelled{color:#9a6700}.s-unchanged{color:#59636e}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
#timeline{width:100%;height:auto;display:block;border:1px solid #d1d9e0;border-radius:6px}
${Object.entries(COLOURS)
  .map(([status, colour]) => `.c-${status}{background:${colour}}`)
  .join('')}
`;

// Draws everything from the embedded data, with DOM methods only: every text is set as textContent.
const SCRIPT = `
(function(){
var D=JSON.parse(document.getElementById('runbook-data').textContent);
var ST=${JSON.stringify(STATUSES)},C=${JSON.stringify(COLOURS)},SVG='http://www.w3.org/2000/svg';
var stepSel=document.getElementById('step-filter');
function el(tag,attrs,text,ns){var e=ns?document.createElementNS(SVG,tag):document.createElement(tag);
for(var k in attrs)e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=String(text);return e}
function dur(ms){if(ms<1000)return Math.round(ms)+'ms';var s=ms/1000;if(s<60)return (Math.round(s*10)/10)+'s';
var m=Math.floor(s/60);return m<60?m+'m'+Math.round(s%60)+'s':Math.floor(m/60)+'h'+(m%60)+'m'}
D.steps.forEach(function(s,i){stepSel.appendChild(el('option',{value:String(i)},s.id))});
function chosen(){var on={};ST.forEach(function(s){on[s]=document.getElementById('status-'+s).checked});
var v=stepSel.value;return{steps:D.steps.map(function(_,i){return v===''||v===String(i)}),on:on}}
function steps(f){var body=document.getElementById('step-rows');body.textContent='';
D.steps.forEach(function(s,i){if(!f.steps[i])return;var tr=el('tr',{'class':'step-row'});
tr.appendChild(el('td',{},s.id+(s.name?' ('+s.name+')':'')));tr.appendChild(el('td',{},s.action));
tr.appendChild(el('td',{'class':'s-'+s.status},s.status));
ST.forEach(function(st){tr.appendChild(el('td',{'class':'n'},s.counts[st]||0))});
tr.appendChild(el('td',{'class':'n'},dur(s.durationMs)));tr.appendChild(el('td',{'class':'n'},s.peak));body.appendChild(tr)})}
function timeline(f){var svg=document.getElementById('timeline');svg.textContent='';
var T=D.timeline,W=1000,H=240,L=44,B=22,n=T.buckets,bw=(W-L)/n,tot=[],max=0,b,i;
for(b=0;b<n;b++){var col={running:{},started:{}};ST.forEach(function(st,k){var r=0,s=0;
D.steps.forEach(function(step,j){if(!f.steps[j]||!f.on[st])return;r+=step.running[k][b];s+=step.started[k][b]});
col.running[st]=r;col.started[st]=s});tot.push(col);
var sum=ST.reduce(function(a,st){return a+col.running[st]},0);if(sum>max)max=sum}
var scale=max>0?(H-B-8)/max:0,drawn=0;
for(b=0;b<n;b++){var y=H-B,g=el('g',{'class':'bucket'},undefined,true),tip=[];
ST.forEach(function(st){var v=tot[b].running[st],h=v*scale;if(tot[b].started[st]||v)tip.push(st+': '+v.toFixed(2)+' in flight, '+tot[b].started[st]+' started');
if(h<=0)return;y-=h;drawn++;g.appendChild(el('rect',{x:(L+b*bw).toFixed(2),y:y.toFixed(2),width:Math.max(bw-0.5,0.5).toFixed(2),height:h.toFixed(2),fill:C[st],'data-status':st},undefined,true))});
if(g.firstChild){g.appendChild(el('title',{},'+'+dur(b*T.bucketMs)+' to +'+dur((b+1)*T.bucketMs)+'\\n'+tip.join('\\n'),true));svg.appendChild(g)}}
svg.appendChild(el('line',{x1:L,y1:H-B,x2:W,y2:H-B,stroke:'#59636e'},undefined,true));
for(i=0;i<=4;i++){svg.appendChild(el('text',{x:L+i*(W-L)/4,y:H-6,'font-size':11,'text-anchor':i===0?'start':i===4?'end':'middle',fill:'#59636e'},'+'+dur(i*n*T.bucketMs/4),true))}
svg.appendChild(el('text',{x:L-6,y:14,'font-size':11,'text-anchor':'end',fill:'#59636e'},max.toFixed(max<10?1:0),true));
svg.appendChild(el('text',{x:L-6,y:H-B,'font-size':11,'text-anchor':'end',fill:'#59636e'},'0',true));
svg.setAttribute('data-drawn',String(drawn));
var off=D.steps.reduce(function(a,s,j){return a+(f.steps[j]?s.unplaced:0)},0);
document.getElementById('timeline-note').textContent='Operations in flight (average per '+dur(T.bucketMs)+' slice), by status; hover a bar for its counts.'+(off?' '+off+(off===1?' operation never started and is not drawn.':' operations never started and are not drawn.'):'')}
function failures(f){var body=document.getElementById('failure-rows');body.textContent='';var shown=0;
if(f.on.failed)D.failures.forEach(function(x){if(!f.steps[x.step])return;shown++;var tr=el('tr',{'class':'failure-row'});
tr.appendChild(el('td',{},D.steps[x.step].id));tr.appendChild(el('td',{},x.key));tr.appendChild(el('td',{},x.code));
tr.appendChild(el('td',{'class':'msg'},x.message));tr.appendChild(el('td',{'class':'n'},x.attempts));body.appendChild(tr)});
var note=D.failureCount===0?'No operation failed.':shown+' shown of '+D.failureCount+' failed operations'+(D.failureCount>D.failures.length?' (the page lists the first '+D.failures.length+'; the JSON report has them all)':'')+'.';
document.getElementById('failure-note').textContent=note}
function draw(){var f=chosen();steps(f);timeline(f);failures(f)}
stepSel.addEventListener('change',draw);ST.forEach(function(s){document.getElementById('status-'+s).addEventListener('change',draw)});
draw()})();
`;

/** The page of a report; `redact` is applied to every text taken from it. */
export function renderHtmlReport(report: Report, options: { redact?: (text: string) => string } = {}): string {
  const redact = options.redact ?? ((text: string) => text);
  const data = htmlData(report, redact);
  const h = (text: string): string => escapeHtml(text);
  const s = report.summary;
  const sha = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
  // Nothing may be fetched, and only this page's own style and script may run.
  const policy = `default-src 'none'; style-src ${sha(STYLE)}; script-src ${sha(SCRIPT)}`;
  const statusBoxes = STATUSES.map(
    (st) => `<label><input type="checkbox" id="status-${st}" checked> <span class="legend"><i class="c-${st}"></i></span>${st}</label>`,
  ).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>runbook ${h(data.run.name)}: ${h(report.status)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>runbook <code>${h(data.run.name)}</code>: <span class="s-${h(report.status)}">${h(report.status)}</span></h1>
<p id="summary">${s.total} operations: ${s.changed} changed, ${s.unchanged} unchanged, ${s.failed} failed, ${s.skipped} skipped in ${h(formatDuration(report.durationMs))}
<span class="muted">(${report.mode === 'dry-run' ? 'dry run, ' : ''}run id <code>${h(data.run.runId)}</code>, ${h(data.run.startedAt)} to ${h(data.run.finishedAt)})</span></p>
${data.run.error ? `<p class="run-error">${h(data.run.error)}</p>` : ''}
<div class="filters">
<label>Step <select id="step-filter"><option value="">all steps</option></select></label>
${statusBoxes}
</div>
<h2>Steps</h2>
<table id="steps"><thead><tr><th>step</th><th>action</th><th>status</th>${STATUSES.map((st) => `<th>${st}</th>`).join('')}<th>duration</th><th>most at once</th></tr></thead>
<tbody id="step-rows"></tbody></table>
<h2>Timeline</h2>
<p id="timeline-note" class="muted"></p>
<svg id="timeline" viewBox="0 0 1000 240" role="img" aria-label="operations in flight over time"></svg>
<h2>Failures</h2>
<p id="failure-note" class="muted"></p>
<table id="failures"><thead><tr><th>step</th><th>operation</th><th>error</th><th>message</th><th>tries</th></tr></thead>
<tbody id="failure-rows"></tbody></table>
<p class="muted">At most ${MAX_FAILURES} failures are listed; the timeline is drawn from counts per time slice.</p>
<script type="application/json" id="runbook-data">${jsonForHtmlScript(JSON.stringify(data))}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
