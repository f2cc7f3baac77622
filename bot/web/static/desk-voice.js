/* The desk's voice messages (bot/web/templates/desk/_voice.html): when the chat platform
   cannot deliver the sound, the player alone would only grey out - the note next to it
   says what happened and what to do instead. */
(function () {
  "use strict";
  var players = document.querySelectorAll("audio[data-failed]");
  Array.prototype.forEach.call(players, function (audio) {
    audio.addEventListener("error", function () {
      var note = document.getElementById(audio.getAttribute("data-failed"));
      if (note) {
        note.hidden = false;
      }
    });
  });
})();
