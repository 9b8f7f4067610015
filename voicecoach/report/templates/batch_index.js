document.querySelectorAll('table.sortable').forEach(function(t){
 t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){
  var asc=th.getAttribute('aria-sort')!=='ascending';
  t.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort')});
  th.setAttribute('aria-sort',asc?'ascending':'descending');
  var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
  function key(r){var c=r.cells[i];return c?(c.getAttribute('data-v')!==null?c.getAttribute('data-v'):c.textContent.trim()):''}
  rows.sort(function(a,b){var x=key(a),y=key(b);if(x===''||y===''){return x===y?0:(x===''?1:-1)}
   var nx=parseFloat(x),ny=parseFloat(y),r=(!isNaN(nx)&&!isNaN(ny)&&isFinite(x)&&isFinite(y))?nx-ny:x.localeCompare(y);
   return asc?r:-r});
  rows.forEach(function(r){body.appendChild(r)});
 })})});
