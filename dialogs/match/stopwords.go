package match

// stopWords are Danish and English function words and question fillers, in
// folded spelling (æ→ae, ø→oe, å→aa). Both lists apply to every text: people
// mix languages, and a word that is a function word in one language is rarely
// a search word in the other. Words that carry meaning here ("bare", "just",
// "man", "sige"/"say", "fra" as in "sige fra") are deliberately left out.
var stopWords = set(
	// Danish
	"ad", "af", "al", "alle", "alt", "altsaa", "anden", "andet", "andre", "at",
	"bag", "begge", "blev", "blevet", "brug", "blive", "bliver", "da", "de", "dem", "den", "denne",
	"dens", "der", "deres", "det", "dette", "dig", "din", "dine", "disse", "dit",
	"dog", "du", "efter", "egentlig", "eller", "en", "end", "ens", "er", "et",
	"faa", "faar", "fik", "for", "foer", "fordi", "gerne", "goer", "gjorde",
	"gaar", "handler", "hans", "han", "har", "havde", "have", "hej", "hele", "hende", "hendes",
	"her", "hos", "hun", "hvad", "hvem", "hver", "hvilke", "hvilken", "hvis",
	"hvor", "hvordan", "hvorfor", "hvornaar", "hvorvidt", "ikke", "ind", "ingen",
	"intet", "jeg", "jer", "jeres", "jo", "kan", "kun", "kunne", "lidt", "lige",
	"maa", "maaske", "med", "meget", "mellem", "men", "mener", "mere", "mest",
	"mig", "min", "mine", "mit", "mod", "naar", "ned", "nej", "noget", "nogen",
	"nogle", "nok", "nu", "ogsaa", "og", "om", "op", "os", "over", "paa", "rigtig",
	"saa", "sagde", "sagt", "sig", "sin", "sine", "sit", "skal", "skulle", "som", "spoerge",
	"spoergsmaal", "synes", "tak", "til", "tror", "ud", "under", "var", "vaere",
	"vaeret", "ved", "vi", "vide", "vil", "ville", "vor", "vores", "ja", "okay",
	"ok", "sku", "osv", "fx", "mv", "evt", "bl", "mm",
	// English
	"a", "about", "above", "after", "again", "all", "also", "am", "an", "and",
	"any", "anyone", "anything", "are", "aren", "as", "at", "be", "because",
	"been", "before", "being", "below", "between", "both", "by", "can", "cannot",
	"could", "couldn", "did", "didn", "do", "does", "doesn", "doing", "don",
	"down", "during", "each", "else", "etc", "ever", "few", "for", "from",
	"get", "gets", "getting", "got", "had", "has", "have", "having", "he", "hello",
	"her", "here", "hers", "hi", "him", "his", "how", "i", "if", "in", "into",
	"is", "isn", "it", "its", "know", "let", "like", "ll", "may", "me", "might",
	"more", "most", "must", "my", "myself", "not", "of", "on", "or", "our", "ours", "out",
	"please", "question", "re", "really", "s", "said", "says", "shall", "she", "should",
	"shouldn", "so", "some", "someone", "somebody", "something", "such", "t",
	"than", "thanks", "that", "the", "their", "them", "then", "there", "these",
	"they", "think", "this", "those", "through", "to", "too", "up", "ve", "very",
	"want", "was", "wasn", "we", "were", "weren", "what", "when", "where",
	"whether", "which", "while", "who", "whom", "why", "will", "with", "won",
	"would", "wouldn", "you", "your", "yours", "eg",
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
