import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./locales/en-US";
import zh from "./locales/zh-CN";

export const LANG_KEY = "shoplet.lang";
export type Lang = "zh-CN" | "en-US";

export function initialLang(): Lang {
  const saved = localStorage.getItem(LANG_KEY);
  return saved === "en-US" ? "en-US" : "zh-CN"; // zh-CN is the default
}

void i18n.use(initReactI18next).init({
  resources: { "zh-CN": { translation: zh }, "en-US": { translation: en } },
  lng: initialLang(),
  fallbackLng: "zh-CN",
  interpolation: { escapeValue: false },
});

export default i18n;
