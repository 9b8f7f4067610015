(function(){
function audio(take){return document.getElementById('audio-'+(take||0));}
function seek(take,t){var a=audio(take);if(!a||!isFinite(t))return;a.currentTime=Math.max(0,t);var p=a.play();if(p&&p.catch)p.catch(function(){});}
document.querySelectorAll('[data-start]').forEach(function(el){
  el.addEventListener('click',function(){seek(el.dataset.take,parseFloat(el.dataset.start));});
  el.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();el.click();}});});
document.querySelectorAll('.seek').forEach(function(fig){
  fig.addEventListener('click',function(ev){
    var r=fig.getBoundingClientRect(),fx=(ev.clientX-r.left)/r.width,fy=1-(ev.clientY-r.top)/r.height;
    var L=+fig.dataset.left,R=+fig.dataset.right,t0=+fig.dataset.t0,t1=+fig.dataset.t1;
    if(fx<L||fx>R)return;var take=0;JSON.parse(fig.dataset.axes||'[]').forEach(function(a){if(fy>=a.bottom-0.04&&fy<=a.top+0.04)take=a.take;});
    seek(take,t0+(fx-L)/(R-L)*(t1-t0));});});
document.querySelectorAll('audio').forEach(function(a){
  var take=a.dataset.take;
  a.addEventListener('timeupdate',function(){
    var t=a.currentTime;
    document.querySelectorAll('.turn[data-take="'+take+'"]').forEach(function(el){
      el.classList.toggle('playing',t>=+el.dataset.start&&t<+el.dataset.end);});
    document.querySelectorAll('.seek').forEach(function(fig){
      var h=fig.querySelector('.playhead');if(!h)return;var L=+fig.dataset.left,R=+fig.dataset.right,t1=+fig.dataset.t1;
      h.style.display='block';h.style.left=(100*(L+(R-L)*Math.min(t,t1)/t1))+'%';});});});
})();
