# Times one fuzzy-search SQL template over the typo queries of typos.json (gen.py), one at a time via psql.
# usage: [K=1000] [D=0] [SUM=1] [PSQL_ARGS='-h .. -p .. -U .. -d ..'] python3 run.py TEMPLATE.sql [N] [PRELUDE.sql]
# $Q query, $TH service threshold for its length, $P/$S half-split prefix / reversed suffix, $K per-side cap,
# $KH = K/2 (centred windows, center*.sql), $D how much shorter than the longest shared prefix/suffix (lcp.sql). SUM=1 adds up all statements of a query.
import json, subprocess, sys, re
tmpl=open(sys.argv[1]).read().strip()
import os
K=os.environ.get('K','1000')
n=int(sys.argv[2]) if len(sys.argv)>2 else 400
d=json.load(open('typos.json',encoding='utf-8'))[:n]
def lit(s): return "'"+s.replace("'","''")+"'"
def cjk(s): return any('\u4e00'<=c<='\u9fff' for c in s)
lines=["\\pset format unaligned","\\pset tuples_only on","\\pset footer off","\\timing on"]
pre = open(sys.argv[3]).read() if len(sys.argv)>3 else ""
lines.append(pre)
for i,(o,t) in enumerate(d):
    lines.append("\\echo @@%d" % i)
    lines.append(tmpl.replace('$Q', lit(t)).replace('$P', lit(t.lower()[:len(t)//2] or '\uffff')).replace('$S', lit(t.lower()[len(t)//2+1:][::-1] or '\uffff')).replace('$KH', str(int(K)//2)).replace('$K', K).replace('$D', os.environ.get('D','0')).replace('$TH', str(max(0.3,min(0.5,((len(t)+1)-3)/((len(t)+1)+3))))) + ";")
p=subprocess.run(["psql"]+os.environ.get("PSQL_ARGS","-h 127.0.0.1 -p 55432 -U postgres -d gmtools_bench").split()+["-X","-q"],input="\n".join(lines),capture_output=True,text=True)
if p.stderr: print(p.stderr[:2000])
blocks=re.split(r'^@@(\d+)$',p.stdout,flags=re.M)
times=[];found=0;cj=[]
for k in range(1,len(blocks),2):
    i=int(blocks[k]); body=blocks[k+1]
    ts=[float(x) for x in re.findall(r'^Time: ([\d.]+) ms',body,flags=re.M)]
    t=(sum(ts) if os.environ.get('SUM') else ts[-1]) if ts else float('nan')   # last statement is the search
    rows=[l for l in body.splitlines() if l and not l.startswith('Time:')]
    o=d[i][0]
    if any(r.split('|')[0]==o for r in rows): found+=1
    times.append(t)
    if cjk(o): cj.append(t)
def pct(a,q):
    a=sorted(a); return a[min(len(a)-1,int(round(q*(len(a)))) -1 if q*len(a)>=1 else 0)]
print("n=%d p50=%.1f p95=%.1f p99=%.1f max=%.1f found=%.1f%%  cjk n=%d p50=%.1f p99=%.1f"%(len(times),pct(times,.5),pct(times,.95),pct(times,.99),max(times),100*found/len(times),len(cj),pct(cj,.5) if cj else 0,pct(cj,.99) if cj else 0))
