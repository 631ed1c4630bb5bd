/// Which passwords an account may have: 8–72 bytes, and not one an attacker tries first — a common
/// password (a bundled list, also with digits and symbols added around it), one character repeated,
/// a run of the keyboard or the alphabet, too few different characters, or the account's own email.
public enum PasswordPolicy {
    /// nil when the password is acceptable; otherwise why not, as a sentence for the user.
    public static func problem(with password: String, email: String? = nil) -> String? {
        if password.count < 8 { return "must be at least 8 characters" }
        // bcrypt reads only the first 72 bytes.
        if password.utf8.count > 72 { return "must be at most 72 bytes" }
        let lowered = password.lowercased()
        if Set(lowered).count < 4 { return "is too easy to guess: use at least 4 different characters" }
        if isRun(lowered) { return "is too easy to guess: it is a sequence (like 12345678 or abcdefgh)" }
        let core = String(lowered.drop { !$0.isLetter }.reversed().drop { !$0.isLetter }.reversed())
        let squeezed = lowered.filter { $0.isLetter || $0.isNumber }
        if [lowered, core, squeezed].contains(where: common.contains) {
            return "is too common: it is on the list of passwords attackers try first"
        }
        if let email, let local = email.lowercased().split(separator: "@").first, local.count >= 4,
            lowered.contains(local)
        {
            return "must not contain your email address"
        }
        return nil
    }

    /// Characters each one step up or down from the last (`12345678`, `abcdefgh`, `87654321`), or the
    /// keyboard's rows (`qwertyui`, `asdfghjk`).
    static func isRun(_ text: String) -> Bool {
        let scalars = text.unicodeScalars.map(\.value)
        if scalars.count >= 2 {
            let steps = Set(zip(scalars, scalars.dropFirst()).map { Int($1) - Int($0) })
            if steps == [1] || steps == [-1] || steps == [0] { return true }
        }
        for row in ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "qazwsxedc", "1qaz2wsx3edc"] {
            if row.contains(text) || String(row.reversed()).contains(text) { return true }
        }
        return false
    }

    /// Common passwords (and their letter cores), lowercase: what leaked-password lists start with.
    static let common: Set<String> = [
        "password", "passw0rd", "p@ssword", "p@ssw0rd", "pass", "passwort", "motdepasse", "contraseña", "senha",
        "123456", "1234567", "12345678", "123456789", "1234567890", "0123456789", "987654321", "87654321",
        "11111111", "00000000", "12341234", "11223344", "12121212", "123123123", "123123", "112233", "121212",
        "123321", "654321", "666666", "696969", "777777", "888888", "999999", "147258369", "159753", "789456123",
        "qwerty", "qwertyui", "qwertyuiop", "qwerty123", "qwertz", "azerty", "asdfgh", "asdfghjk", "asdfghjkl",
        "zxcvbnm", "1q2w3e4r", "1q2w3e4r5t", "1qaz2wsx", "qazwsx", "zaq12wsx", "q1w2e3r4", "abc123", "abcd1234",
        "a1b2c3d4", "aa123456", "abcdefg", "abcdefgh", "iloveyou", "letmein", "welcome", "welcome1", "admin",
        "administrator", "root", "toor", "changeme", "default", "guest", "login", "master", "secret", "test",
        "testing", "trustno1", "monkey", "dragon", "football", "baseball", "basketball", "soccer", "hockey",
        "superman", "batman", "spiderman", "starwars", "pokemon", "princess", "sunshine", "shadow", "michael",
        "jennifer", "jordan", "hunter", "hunter2", "freedom", "whatever", "mustang", "harley", "ranger", "buster",
        "tigger", "charlie", "robert", "thomas", "daniel", "andrew", "joshua", "matthew", "jessica", "ashley",
        "nicole", "amanda", "michelle", "samantha", "summer", "winter", "spring", "autumn", "computer", "internet",
        "access", "killer", "cheese", "cookie", "chocolate", "flower", "butterfly", "purple", "orange", "yellow",
        "silver", "golden", "diamond", "lovely", "loveme", "love", "lover", "family", "friends", "forever",
        "hello", "hello123", "helloworld", "google", "facebook", "linkedin", "twitter", "youtube", "microsoft",
        "apple", "samsung", "nintendo", "playstation", "xbox360", "minecraft", "fortnite", "liverpool", "chelsea",
        "arsenal", "barcelona", "yankees", "cowboys", "steelers", "eagles", "lakers", "ginger", "pepper", "maggie",
        "bailey", "buddy", "daisy", "lucky", "coffee", "banana", "pizza", "money", "qwerty1", "asdf1234",
        "zxcv1234", "pass1234", "password1", "password12", "password123", "password1234", "passpass",
        "administrator1", "admin123", "admin1234", "root123", "user", "username", "user1234", "demo", "demo1234",
        "frontdesk", "receptionist", "business", "company", "office", "manager", "support", "service", "customer",
        "plumbing", "dental", "salon", "clinic", "changeit", "changeme1", "temp", "temp1234", "temporary",
        "newpassword", "mypassword", "yourpassword", "nopassword", "letmein1", "iloveu", "iloveyou1", "11111",
        "a1234567", "q1234567", "1234qwer", "qwer1234", "1qazxsw2", "zaq1xsw2", "!qaz2wsx", "qwertyu",
        "superstar", "rockstar", "blink182", "metallica", "nirvana", "mercedes", "ferrari", "porsche", "corvette",
        "jesus", "angel", "angels", "heaven", "matrix", "phoenix", "thunder", "warrior", "soldier", "ninja",
        "august", "september", "october", "november", "december", "january", "february", "march", "april",
        "monday", "friday", "sunday", "london", "paris", "newyork", "chicago", "boston", "america", "canada",
    ]
}
