"""Texts said in the speech tests, one short and one longer in each of the ten languages
(everyday sentences a resident might hear)."""

SHORT = {
    "de": "Guten Tag.",
    "en": "Good day.",
    "ar": "مرحبا.",
    "tr": "İyi günler.",
    "uk": "Добрий день.",
    "ru": "Добрый день.",
    "ro": "Bună ziua.",
    "bg": "Добър ден.",
    "pl": "Dzień dobry.",
    "fa": "روز بخیر.",
}
LONGER = {
    "de": "Die Tafel am Nordmarkt öffnet dienstags um zehn Uhr. Bitte bringen Sie eine Tasche mit.",
    "en": "The food bank at Nordmarkt opens on Tuesdays at ten o'clock. Please bring a bag.",
    "ar": "يفتح بنك الطعام في نوردماركت أيام الثلاثاء في الساعة العاشرة. يرجى إحضار حقيبة.",
    "tr": "Nordmarkt'taki gıda bankası salı günleri saat onda açılıyor. Lütfen bir çanta getirin.",
    "uk": "Продуктовий банк на Нордмаркті відкривається по вівторках о десятій. "
    "Будь ласка, візьміть із собою сумку.",
    "ru": "Продовольственный банк на Нордмаркте открывается по вторникам в десять часов. "
    "Пожалуйста, возьмите с собой сумку.",
    "ro": "Banca de alimente de la Nordmarkt se deschide marțea la ora zece. "
    "Vă rugăm să aduceți o geantă.",
    "bg": "Хранителната банка на Нордмаркт отваря във вторник в десет часа. Моля, носете си чанта.",
    "pl": "Bank żywności przy Nordmarkt jest otwarty we wtorki od dziesiątej. "
    "Prosimy zabrać torbę.",
    "fa": "بانک غذا در نوردمارکت سه‌شنبه‌ها ساعت ده باز می‌شود. لطفاً یک کیسه همراه بیاورید.",
}
