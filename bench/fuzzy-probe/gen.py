import random, sys, json
random.seed(42)
def cjk(s): return any('\u4e00'<=c<='\u9fff' for c in s)
def typo(n):
    if len(n)<3: return n
    i=random.randint(1,len(n)-2)
    c = random.choice("的一是了我不人在") if cjk(n) else chr(ord('a')+random.randrange(26))
    k=random.randrange(4)
    if k==0: return n[:i]+c+n[i+1:]
    if k==1: return n[:i]+n[i+1:]
    if k==2: return n[:i]+c+n[i:]
    return n[:i-1]+n[i]+n[i-1]+n[i+1:]
names=[l.rstrip('\n') for l in open("sample.txt",encoding="utf-8")]
out=[(n,typo(n)) for n in names][:400]
json.dump(out,open('typos.json','w',encoding='utf-8'),ensure_ascii=False)
